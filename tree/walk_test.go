package tree

import (
	"context"
	"slices"
	"testing"

	"github.com/cssfs/cssfs/client/csstest"
)

// maxMonthSearches is issue 11's bound on copying a month of a type
// (3,000 objects a region): resolving the path, then one search for the
// month, where listing it day by day costs one probe per day and one
// search per day on top.
const maxMonthSearches = 60

func TestWalkOfAMonthIsLinear(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 3000})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	const month = "/us-east/callrecording/2023/03"
	walked := newFixtureOn(t, emu, emu.Secret, Config{})
	emu.ResetCounts()
	got := walked.byWalk(walked.resolve(month))
	searches := emu.Count("search")
	t.Logf("walk of %s: %d entries, %d searches", month, len(got), searches)
	if searches > maxMonthSearches {
		t.Errorf("walking %s made %d searches, want at most %d", month, searches, maxMonthSearches)
	}
	// The same entries as listing the month day by day.
	listed := newFixtureOn(t, emu, emu.Secret, Config{})
	want := listed.byListing(listed.resolve(month))
	if len(filesByID(want)) < 20 {
		t.Fatalf("%s holds only %d files", month, len(filesByID(want)))
	}
	sameEntries(t, listed.tree, want, walked.tree, got)
	// Walking it again lists nothing: every listing is cached.
	emu.ResetCounts()
	walked.byWalk(walked.resolve(month))
	if n := emu.Count("search"); n != 0 {
		t.Errorf("a second walk made %d searches", n)
	}
}

// Walk visits directories depth first in name order, each once.
func TestWalkOrder(t *testing.T) {
	f := newFixture(t, tenant, Config{Layout: "type/date"})
	var seen []string
	err := f.tree.Walk(context.Background(), f.resolve("/uk/callrecording"), func(d Entry, entries []Entry) error {
		seen = append(seen, d.Path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(seen) || len(seen) != len(slices.Compact(slices.Clone(seen))) {
		t.Errorf("directories visited out of order or twice: %v", seen)
	}
	dirs := 1 // the top
	for _, e := range f.byListing(f.resolve("/uk/callrecording")) {
		if e.IsDir() {
			dirs++
		}
	}
	if len(seen) != dirs {
		t.Errorf("visited %d directories, the tree has %d", len(seen), dirs)
	}
}
