//go:build !windows

package fusefs

import (
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
	"github.com/cssfs/cssfs/tree"
)

// A walk over more files than MaxFileNodes leaves at most that many file
// nodes once the kernel has forgotten the oldest, and a file looked up
// again has the same inode number and attributes.
func TestWalkKeepsAtMostMaxFileNodes(t *testing.T) {
	mounttest.RequireFUSE(t)
	const max = 40
	emu := mounttest.Emulator(t, csstest.Options{Regions: []string{"uk"}, Seed: 7, Objects: 400})
	root := newRoot(newTestTree(t, emu, tree.Config{}), Options{MaxFileNodes: max})
	dir := t.TempDir()
	srv, err := mount(dir, root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})

	walk := func() map[string]syscall.Stat_t {
		t.Helper()
		seen := map[string]syscall.Stat_t{}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			var st syscall.Stat_t
			if err := syscall.Lstat(p, &st); err != nil {
				return err
			}
			seen[p] = st
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return seen
	}
	first := walk()
	if len(first) < 4*max {
		t.Fatalf("walk found %d files; the test needs more than %d", len(first), 4*max)
	}
	deadline := time.After(30 * time.Second)
	for {
		live, change := root.fs.nodes.Live()
		if live <= max {
			break
		}
		select {
		case <-change:
		case <-deadline:
			t.Fatalf("%d file nodes live after the walk, want at most %d", live, max)
		}
	}
	root.fs.nodes.mu.Lock()
	pruned := root.fs.nodes.pruned
	root.fs.nodes.mu.Unlock()
	if pruned < len(first)-max {
		t.Errorf("%d nodes pruned of %d files walked, want at least %d", pruned, len(first), len(first)-max)
	}
	again := walk()
	if len(again) != len(first) {
		t.Fatalf("second walk found %d files, first %d", len(again), len(first))
	}
	for p, st := range first {
		g := again[p]
		if g.Ino != st.Ino || g.Size != st.Size || g.Mtim != st.Mtim || g.Mode != st.Mode {
			t.Errorf("%s: %+v after the node was forgotten, %+v before", p, g, st)
		}
	}
}
