package main

// Issue 10: the reference leaves open what pageKey means, whether `total`
// comes, whether /content redirects to an object store, and how the API
// gateway throttles. The emulator plays each answer; against every one, a
// mount must list every object exactly once and read it byte for byte, a
// second rsync must copy nothing, and `cssfs get` must copy every file.

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// variantDay holds several pages of recordings, the case paging can lose.
var variantDay = time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)

const (
	variantDayRecordings = 320 // four pages of 100
	variantOtherObjects  = 80
)

// apiVariants are the answers the real service may give (reference §6, §8, §12).
var apiVariants = []struct {
	name   string
	opts   csstest.Options
	faults csstest.Faults
	bites  string // emulator counter that must move, proving the variant was met
}{
	{"offset paging (documented)", csstest.Options{}, csstest.Faults{}, ""},
	{"page-number paging", csstest.Options{Paging: "page"}, csstest.Faults{}, ""},
	{"opaque pageKey", csstest.Options{Paging: "opaque"}, csstest.Faults{}, ""},
	{"no total", csstest.Options{NoTotal: true}, csstest.Faults{}, ""},
	{"page numbers without total", csstest.Options{Paging: "page", NoTotal: true}, csstest.Faults{}, ""},
	{"content redirected to a presigned store, some URLs stale",
		csstest.Options{ContentRedirect: true}, csstest.Faults{StaleRedirectRate: 0.2}, "store"},
	{"Apigee quota (500 QuotaViolation)", csstest.Options{QuotaPerMin: 150, QuotaWindow: time.Second}, csstest.Faults{}, "throttled"},
}

// variantSpecs is one region's tenant: a day of several pages of
// recordings, and small objects of mixed types on the days after it.
func variantSpecs() []csstest.ObjectSpec {
	rng := rand.New(rand.NewPCG(10, 10))
	var specs []csstest.ObjectSpec
	for i := range variantDayRecordings {
		specs = append(specs, csstest.ObjectSpec{
			Type:    "callrecording",
			Name:    fmt.Sprintf("ipbx:tenant:callrecording:users:%d:%d.wav", 1000+i%7, i),
			Created: variantDay.Add(time.Duration(rng.Int64N(int64(24 * time.Hour)))).Truncate(time.Second),
			Size:    1024 + rng.Int64N(8<<10),
		})
	}
	types := []string{"callrecording", "voicemail", "transcription", "screenrecording"}
	for i := range variantOtherObjects {
		specs = append(specs, csstest.ObjectSpec{
			Type:    types[i%len(types)],
			Name:    fmt.Sprintf("other-%03d", i),
			Created: variantDay.AddDate(0, 0, 1+rng.IntN(3)).Add(time.Duration(rng.Int64N(int64(24 * time.Hour)))).Truncate(time.Second),
			Size:    512 + rng.Int64N(16<<10),
		})
	}
	return specs
}

func TestEveryAPIVariantListsAndReadsEveryObject(t *testing.T) {
	mounttest.RequireFUSE(t, "find", "rsync")
	for _, v := range apiVariants {
		t.Run(v.name, func(t *testing.T) {
			opts := v.opts
			opts.Regions = []string{"us-east"}
			emu := mounttest.Emulator(t, opts)
			want := map[string][]byte{} // id -> content
			for _, spec := range variantSpecs() {
				o := emu.Add("us-east", spec)
				want[o.ID] = content(t, emu, "us-east", o.ID)
			}
			emu.SetFaults(v.faults)
			m := mounttest.Start(t, binPath, emu, "--log-level", "info", "--metrics-addr", "127.0.0.1:0")
			region := filepath.Join(m.Dir, "us-east")

			// find lists every object once, and no other file.
			ids := map[string][]string{}
			for _, p := range strings.Split(strings.TrimSpace(m.Run("find", region, "-type", "f")), "\n") {
				if p == "" {
					continue
				}
				id, err := objectID(p)
				if err != nil {
					t.Fatal(err)
				}
				ids[id] = append(ids[id], p)
			}
			for id := range want {
				if n := len(ids[id]); n != 1 {
					t.Errorf("object %s is listed %d times, want once", id, n)
				}
			}
			if len(ids) != len(want) {
				t.Errorf("find shows %d objects, the tenant has %d", len(ids), len(want))
			}
			day := filepath.Join(region, "callrecording", variantDay.Format("2006/01/02"))
			if n := len(mustReadDir(t, day)); n != variantDayRecordings {
				t.Errorf("%s holds %d files, want %d", day, n, variantDayRecordings)
			}

			// rsync copies every byte; a second pass copies nothing.
			dst := t.TempDir()
			start := time.Now()
			m.Run("rsync", "-a", region+"/", dst+"/")
			t.Logf("find and rsync: %v; %v", time.Since(start), emu.Counts())
			checkCopy(t, dst, region, want)
			if v.bites != "" && emu.Count(v.bites) == 0 {
				t.Errorf("the emulator's %q counter did not move: the variant was not met", v.bites)
			}
			if v.bites == "throttled" {
				page := scrape(t, metricsURL(t, m))
				if sample(page, `cssfs_api_throttled_total{endpoint="search"}`)+sample(page, `cssfs_api_throttled_total{endpoint="content"}`) == 0 {
					t.Error("cssfs_api_throttled_total did not count the quota answers")
				}
			}
			emu.ResetCounts()
			if out := m.Run("rsync", "-a", "--itemize-changes", region+"/", dst+"/"); strings.TrimSpace(out) != "" {
				t.Errorf("second rsync changed things:\n%s", out)
			}
			if n := emu.Count("content") + emu.Count("store"); n != 0 {
				t.Errorf("second rsync made %d content requests, want 0", n)
			}

			// cssfs get of the big day, without FUSE, copies every file.
			start = time.Now()
			got := t.TempDir()
			get := osexec.Command(binPath, "get", "-q", "/us-east/callrecording/"+variantDay.Format("2006/01/02"), got)
			get.Env = append(os.Environ(), "CSSFS_API_URL="+emu.URL, "CSSFS_KEY="+emu.Key, "CSSFS_SECRET="+emu.Secret)
			if out, err := get.CombinedOutput(); err != nil {
				t.Fatalf("cssfs get: %v\n%s", err, out)
			}
			t.Logf("get: %v; %v", time.Since(start), emu.Counts())
			if n := checkCopy(t, got, day, want); n != variantDayRecordings {
				t.Errorf("cssfs get copied %d files of the day, want %d", n, variantDayRecordings)
			}

		})
	}
}

// checkCopy compares every file under dst with the object of the same
// path under mountDir, byte for byte, and returns how many it compared.
func checkCopy(t *testing.T, dst, mountDir string, want map[string][]byte) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dst, p)
		id, err := objectID(filepath.Join(mountDir, rel))
		if err != nil {
			return err
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want[id]) {
			t.Errorf("WRONG BYTES in %s (object %s): %d bytes, want %d", rel, id, len(got), len(want[id]))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatalf("comparing %s: %v", dst, err)
	}
	return n
}

func mustReadDir(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ents
}

// metricsURL finds the address the mount serves its metrics on.
func metricsURL(t *testing.T, m *mounttest.Mount) string {
	t.Helper()
	if !m.Log.WaitFor("serving metrics", 10*time.Second) {
		t.Fatal("no metrics line in the log")
	}
	log := m.Log.String()
	return regexp.MustCompile(`url=(\S+)`).FindStringSubmatch(log[strings.Index(log, "serving metrics"):])[1]
}
