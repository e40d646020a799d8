package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// A past day's listing is kept (for 12× --dir-cache-ttl), so a new object
// does not show until asked for: setfattr user.css.refresh on the
// directory drops its listing alone, and SIGHUP drops every listing.
func TestRefreshOnDemand(t *testing.T) {
	mounttest.RequireFUSE(t, "ls", "setfattr")
	m := mountEmulator(t, csstest.Options{Regions: []string{"us-east"}})
	day := time.Date(2023, 5, 10, 9, 0, 0, 0, time.UTC)
	add := func(i int) {
		m.Emu.Add("us-east", csstest.ObjectSpec{Type: "callrecording", Name: fmt.Sprintf("call-%d.wav", i), Created: day.Add(time.Duration(i) * time.Minute), Size: 100})
	}
	dir := filepath.Join(m.Dir, "us-east", "callrecording", "2023", "05", "10")
	count := func() int {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	add(0)
	if n := count(); n != 1 {
		t.Fatalf("%s holds %d files, want 1", dir, n)
	}
	add(1)
	if n := count(); n != 1 {
		t.Fatalf("%s holds %d files before a refresh, want the cached 1", dir, n)
	}
	m.Emu.ResetCounts()
	m.Run("setfattr", "-n", "user.css.refresh", "-v", "1", dir)
	if n := count(); n != 2 {
		t.Errorf("%s holds %d files after setfattr user.css.refresh, want 2\n%s", dir, n, m.Log)
	}
	if n := m.Emu.Count("search"); n != 1 {
		t.Errorf("refreshing one day made %d searches, want 1 (its own listing)", n)
	}
	// Other attributes still cannot be written.
	if err := syscall.Setxattr(dir, "user.css.other", []byte("1"), 0); !errorIs(err, syscall.EROFS) {
		t.Errorf("setxattr user.css.other: %v, want EROFS", err)
	}

	add(2)
	if n := count(); n != 2 {
		t.Fatalf("%s holds %d files before SIGHUP, want the cached 2", dir, n)
	}
	if err := m.Cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !m.Log.WaitFor("every directory listing dropped (SIGHUP)", 10*time.Second) {
		t.Fatalf("no log of SIGHUP\n%s", m.Log)
	}
	if n := count(); n != 3 {
		t.Errorf("%s holds %d files after SIGHUP, want 3", dir, n)
	}
}
