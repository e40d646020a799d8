package tree

import (
	"fmt"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
)

// Forget drops a directory's listing and those below it; ForgetAll every
// listing. Until then a past day's listing is kept however it changes.
func TestForgetDropsListings(t *testing.T) {
	f := newFixture(t, csstest.Options{Regions: []string{"us-east"}}, Config{})
	day := time.Date(2023, 5, 10, 9, 0, 0, 0, time.UTC)
	add := func(i int) {
		f.emu.Add("us-east", csstest.ObjectSpec{Type: "callrecording", Name: fmt.Sprintf("call-%d.wav", i), Created: day.Add(time.Duration(i) * time.Minute), Size: 100})
	}
	const path = "/us-east/callrecording/2023/05/10"
	files := func() int { return len(f.list(path)) }
	add(0)
	if n := files(); n != 1 {
		t.Fatalf("%s: %d files, want 1", path, n)
	}
	add(1)
	if n := files(); n != 1 {
		t.Fatalf("%s: %d files before Forget, want the cached 1", path, n)
	}
	f.tree.Forget(f.resolve("/us-east/callrecording/2023/05"))
	if n := files(); n != 2 {
		t.Errorf("%s: %d files after Forget of its month, want 2", path, n)
	}
	add(2)
	f.tree.ForgetAll()
	if n := files(); n != 3 {
		t.Errorf("%s: %d files after ForgetAll, want 3", path, n)
	}
}
