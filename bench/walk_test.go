package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// BenchmarkWalkRegion: find MNT/REGION -type f over a synthetic region of
// 50,000 objects (two years, every type), counting searches against the
// floor of one per 100 files, its time without and with 20 ms per call,
// and cssfs's peak RSS. CSSFS_BENCH_MILLION=1 adds the 1,000,000-object
// region (several minutes).
func BenchmarkWalkRegion(b *testing.B) {
	mounttest.RequireFUSE(b, "find")
	sizes := []int{50_000}
	if os.Getenv("CSSFS_BENCH_MILLION") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
			if latency > 0 && n > 50_000 {
				continue // the page count is the time: 20 ms × searches / parallel pages
			}
			walkRegion(b, n, latency)
		}
	}
}

func walkRegion(b *testing.B, objects int, latency time.Duration) {
	// Multipart-style checksums: hashing every generated body would
	// measure the emulator.
	emu := mounttest.Emulator(b, csstest.Options{Objects: objects, Regions: []string{region}, MultipartThreshold: 1})
	m := mounttest.Start(b, binPath, emu, profile(fmt.Sprintf("walk-%d", objects))...)
	emu.SetFaults(csstest.Faults{Latency: latency})
	emu.ResetCounts()
	var out []byte
	took := timed(func() {
		var err error
		out, err = exec.Command("find", filepath.Join(m.Dir, region), "-type", "f").Output()
		if err != nil {
			b.Fatalf("find: %v\n%s", err, m.Log)
		}
	})
	files := strings.Count(string(out), "\n")
	searches := emu.Count("search")
	floor := (files + 99) / 100
	name := fmt.Sprintf("find of a %s-object region", commas(objects))
	if latency > 0 {
		name += fmt.Sprintf(", %d ms per call", latency.Milliseconds())
	}
	record(name, fmt.Sprintf("%s files, %d searches, %s", commas(files), searches, took.Round(100*time.Millisecond)),
		fmt.Sprintf("floor %d searches", floor), fmt.Sprintf("%.2f× floor", float64(searches)/float64(floor)), "≤ 2× floor + a constant")
	if latency == 0 {
		target := "≤ 128 MiB"
		if objects > 50_000 {
			target = "≤ 256 MiB"
		}
		record(fmt.Sprintf("peak RSS after that find of %s objects", commas(objects)), fmt.Sprintf("%.0f MiB", float64(m.PeakRSS())/(1<<20)), "", "", target)
		emu.ResetCounts()
		again := timed(func() {
			if err := exec.Command("find", filepath.Join(m.Dir, region), "-type", "f").Run(); err != nil {
				b.Fatalf("second find: %v", err)
			}
		})
		record(fmt.Sprintf("second find of those %s objects", commas(objects)), fmt.Sprintf("%d searches, %d other requests, %s", emu.Count("search"), emu.Count("object")+emu.Count("content"), again.Round(100*time.Millisecond)), "", "", "0 searches")
	}
	m.Stop()
}

// commas writes 50000 as 50,000.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// BenchmarkRsyncRegion: rsync -a of a whole region of 50,000 short
// recordings (a few kB each, so that the first copy takes a minute, not an
// hour), then again: the second pass finds every file unchanged (size and
// mtime) and must read nothing.
func BenchmarkRsyncRegion(b *testing.B) {
	mounttest.RequireFUSE(b, "rsync")
	const objects = 50_000
	emu := mounttest.Emulator(b, csstest.Options{Objects: objects, Regions: []string{region}, MultipartThreshold: 1, ShortRecordings: true})
	m := mounttest.Start(b, binPath, emu, profile("rsync-region")...)
	src, dst := filepath.Join(m.Dir, region)+"/", b.TempDir()+"/"
	emu.ResetCounts()
	first := timed(func() { m.Run("rsync", "-a", src, dst) })
	files, bytes := 0, int64(0)
	err := filepath.WalkDir(dst, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			files, bytes = files+1, bytes+info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	record(fmt.Sprintf("rsync -a of a %s-object region (short recordings)", commas(objects)),
		fmt.Sprintf("%s files, %.0f MB, %d searches, %d content requests, %s", commas(files), float64(bytes)/1e6, emu.Count("search"), emu.Count("content"), first.Round(100*time.Millisecond)),
		"", "", "")
	emu.ResetCounts()
	second := timed(func() { m.Run("rsync", "-a", src, dst) })
	record("second rsync -a of that region",
		fmt.Sprintf("%d searches, %d content requests, %d other requests, %s", emu.Count("search"), emu.Count("content"), emu.Count("object")+emu.Count("metadata"), second.Round(100*time.Millisecond)),
		"", "", "only listing calls, 0 content requests")
	if n := emu.Count("content"); n != 0 {
		b.Errorf("second rsync made %d content requests", n)
	}
	m.Stop()
}
