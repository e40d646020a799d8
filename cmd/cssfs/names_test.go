package main

// Issue 12: default names that people and their tools can use. From inside
// each day directory of the demo tenant, with bare file names, ffprobe,
// ffmpeg, sox, rsync and cp must all work on every file; and the same
// object has the same name and inode on every mount.

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// demoTenant is the tenant of `cssfs mount --demo` and `make demo`.
var demoTenant = csstest.Options{Objects: 300}

// dayDirsOf lists the day directories (TYPE/YYYY/MM/DD) of every region.
func dayDirsOf(t *testing.T, root string) []string {
	t.Helper()
	days, err := filepath.Glob(filepath.Join(root, "*", "*", "[0-9][0-9][0-9][0-9]", "[0-9][0-9]", "[0-9][0-9]"))
	if err != nil || len(days) == 0 {
		t.Fatalf("no day directories under %s: %v", root, err)
	}
	return days
}

// runIn runs a tool in dir and reports its failure with its output.
func runIn(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return &toolError{cmd: name + " " + strings.Join(args, " "), out: string(out), err: err}
	}
	return nil
}

type toolError struct {
	cmd, out string
	err      error
}

func (e *toolError) Error() string { return e.cmd + ": " + e.err.Error() + "\n" + tail(e.out, 500) }

func TestToolsTakeBareNames(t *testing.T) {
	mounttest.RequireFUSE(t, "ffprobe", "ffmpeg", "sox", "rsync", "cp")
	m := mountEmulator(t, demoTenant)
	days := dayDirsOf(t, m.Dir)
	var mu sync.Mutex
	files, audio := 0, 0
	work := make(chan string)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for day := range work {
				ents, err := os.ReadDir(day)
				if err != nil {
					t.Error(err)
					continue
				}
				dest := t.TempDir()
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
					var errs []error
					if strings.HasSuffix(e.Name(), ".wav") {
						errs = append(errs,
							runIn(day, "ffprobe", "-v", "error", e.Name()),
							runIn(day, "ffmpeg", "-nostdin", "-v", "error", "-i", e.Name(), "-f", "null", "-"),
							runIn(day, "sox", e.Name(), "-n", "stat"))
						mu.Lock()
						audio++
						mu.Unlock()
					}
					errs = append(errs, runIn(day, "rsync", e.Name(), dest+"/"), runIn(day, "cp", e.Name(), dest+"/"))
					for _, err := range errs {
						if err != nil {
							t.Errorf("in %s: %v", day, err)
						}
					}
				}
				// Every file arrived under its own name, and the copies are gone
				// before the next day so the disk holds one day at a time.
				if got := mustReadDir(t, dest); len(got) != len(names) {
					t.Errorf("%s: %d files copied of %d", day, len(got), len(names))
				}
				os.RemoveAll(dest)
				mu.Lock()
				files += len(names)
				mu.Unlock()
			}
		}()
	}
	for _, day := range days {
		work <- day
	}
	close(work)
	wg.Wait()
	if audio == 0 || files < 500 {
		t.Fatalf("tools ran on %d files (%d audio) of %d days: the demo tenant should have about 590", files, audio, len(days))
	}
	t.Logf("%d files (%d audio) in %d day directories", files, audio, len(days))
}

// Names and inode numbers do not depend on the mount: two mounts of the
// same tenant show the same paths with the same inodes.
func TestNamesAndInodesAreTheSameOnEveryMount(t *testing.T) {
	mounttest.RequireFUSE(t, "find")
	emu := mounttest.Emulator(t, demoTenant)
	snapshot := func() map[string]uint64 {
		m := &mounted{Mount: mounttest.Start(t, binPath, emu), t: t}
		defer m.Stop()
		return m.inodes()
	}
	first, second := snapshot(), snapshot()
	if len(first) < 600 {
		t.Fatalf("only %d paths on the mount", len(first))
	}
	var diff []string
	for p, ino := range first {
		if other, ok := second[p]; !ok || other != ino {
			diff = append(diff, p)
		}
	}
	for p := range second {
		if _, ok := first[p]; !ok {
			diff = append(diff, p)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("%d paths differ between two mounts, e.g. %q", len(diff), diff[:min(len(diff), 5)])
	}
}
