package main

// The fault suite of issue 5: a tenant of thousands of small objects is
// copied end to end with cp -r while the emulator injects one fault (or a
// mix), and every byte that arrives is checked against the emulator's own
// content. A wrong byte always fails; an error is acceptable only where the
// fault makes it right, and then it must be EIO or ENOENT. CSSFS_SOAK=1
// selects the long form (make soak).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

const (
	faultOpTimeout = 60 * time.Second
	// toolDeadline bounds one tool call or one direct file operation: a
	// FUSE operation may take up to --op-timeout, never much longer.
	toolDeadline   = faultOpTimeout + 15*time.Second
	faultCacheSize = 64 << 20
	rssAllowance   = 150 << 20
	dayDirDepth    = 4 // type/yyyy/mm/dd under a region
)

var faultRegions = []string{"us-east", "uk"}

// faultScale is how big and how long the suite runs.
type faultScale struct {
	perRegion    int           // small objects per region
	bigObjects   int           // multi-MiB objects per region (load test only)
	loadFor      time.Duration // how long the 32 parallel readers run
	tokenLatency time.Duration // per-request latency that stretches the token-expiry copy
	copiers      int           // cp -r processes at once
	wholeShort   int           // files read while short whole bodies are retried (~15 s each)
}

func scaleOfRun() faultScale {
	if os.Getenv("CSSFS_SOAK") == "1" {
		return faultScale{perRegion: 5000, bigObjects: 40, loadFor: 3 * time.Minute, tokenLatency: 40 * time.Millisecond, copiers: 48, wholeShort: 10}
	}
	return faultScale{perRegion: 1000, bigObjects: 12, loadFor: 10 * time.Second, tokenLatency: 15 * time.Millisecond, copiers: 48, wholeShort: 1}
}

// faultTenant is an emulator filled with known objects and a mount over it.
type faultTenant struct {
	t     *testing.T
	emu   *csstest.Server
	m     *mounttest.Mount
	ids   map[string][]string // region -> ids of the objects added
	scale faultScale
}

// newFaultTenant starts an emulator, fills it and mounts it; faults are
// switched on afterwards by the caller, so mount-time calls succeed.
func newFaultTenant(t *testing.T, opts csstest.Options, big bool) *faultTenant {
	t.Helper()
	mounttest.RequireFUSE(t, "cp")
	opts.Regions = faultRegions
	opts.Objects = 0
	emu := mounttest.Emulator(t, opts)
	ft := &faultTenant{t: t, emu: emu, ids: map[string][]string{}, scale: scaleOfRun()}
	for ri, region := range faultRegions {
		rng := rand.New(rand.NewPCG(uint64(ri+1), 5))
		for _, spec := range tenantSpecs(rng, ft.scale.perRegion) {
			ft.ids[region] = append(ft.ids[region], emu.Add(region, spec).ID)
		}
		if big {
			for i := 0; i < ft.scale.bigObjects; i++ {
				o := emu.Add(region, csstest.ObjectSpec{
					Type:    "screenrecording",
					Name:    fmt.Sprintf("big-%03d.mp4", i),
					Created: time.Date(2024, 3, 20, 10, i, 0, 0, time.UTC),
					Size:    2<<20 + rng.Int64N(6<<20),
				})
				ft.ids[region] = append(ft.ids[region], o.ID)
			}
		}
	}
	ft.m = mounttest.Start(t, binPath, emu,
		"--op-timeout", faultOpTimeout.String(),
		"--cache-size", fmt.Sprintf("%dMiB", faultCacheSize>>20),
		"--log-level", "info")
	return ft
}

// tenantSpecs describes n small objects of mixed types over ten days,
// a few with awkward names.
func tenantSpecs(rng *rand.Rand, n int) []csstest.ObjectSpec {
	types := []string{"callrecording", "voicemail", "transcription", "agentnotes", "screenrecording"}
	odd := []string{"dup.wav", "dup.wav", "slash/inside.wav", strings.Repeat("long-", 60) + ".wav", "spaces and ünïcödé.wav", "no extension"}
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	specs := make([]csstest.ObjectSpec, 0, n)
	for i := 0; i < n; i++ {
		typ := types[rng.IntN(len(types))]
		name := fmt.Sprintf("%s-%05d", typ, i)
		if i < len(odd) {
			typ, name = "callrecording", odd[i]
		}
		// Log-uniform from 2 KB to 200 KB: mostly small, some larger.
		size := int64(2048 * math.Pow(100, rng.Float64()))
		specs = append(specs, csstest.ObjectSpec{
			Type:    typ,
			Name:    name,
			Created: base.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour)))).Truncate(time.Second),
			Size:    size,
		})
	}
	return specs
}

// withDeadline runs one filesystem operation and fails the test if it
// outlives toolDeadline: every FUSE call has --op-timeout, so a longer
// wait is a hang. The operation is abandoned, not stopped, in that case.
func (ft *faultTenant) withDeadline(what string, op func() error) error {
	done := make(chan error, 1)
	go func() { done <- op() }()
	select {
	case err := <-done:
		return err
	case <-time.After(toolDeadline):
		ft.t.Errorf("%s: still waiting after %v: an operation outlived its deadline", what, toolDeadline)
		return fmt.Errorf("%s: %w", what, os.ErrDeadlineExceeded)
	}
}

// readFile reads a file on the mount directly, bounded by the deadline.
func (ft *faultTenant) readFile(path string) ([]byte, error) {
	var data []byte
	err := ft.withDeadline("read "+path, func() error {
		var err error
		data, err = os.ReadFile(path)
		return err
	})
	return data, err
}

// runTool runs one tool bounded by deadline and returns its stderr.
func (ft *faultTenant) runTool(deadline time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 10 * time.Second // a process stuck in the kernel must not hang the test
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		ft.t.Errorf("%s %s: still running after %v: an operation outlived its deadline", name, strings.Join(args, " "), deadline)
	}
	if err != nil {
		return stderr.String(), fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return stderr.String(), nil
}

// copyResult is what the cp runs reported.
type copyResult struct {
	failed   int      // cp runs that exited non-zero
	stderr   []string // what they said
	listErrs []error  // listings that failed while finding the day directories
	took     time.Duration
}

// dayDirs lists a region down to its day directories, as relative paths;
// the directories of one level are listed in parallel.
func (ft *faultTenant) dayDirs(region string, res *copyResult) []string {
	level := []string{"."}
	for depth := 0; depth < dayDirDepth; depth++ {
		var mu sync.Mutex
		var wg sync.WaitGroup
		var next []string
		for _, rel := range level {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dir := filepath.Join(ft.m.Dir, region, rel)
				var ents []os.DirEntry
				err := ft.withDeadline("readdir "+dir, func() error {
					var err error
					ents, err = os.ReadDir(dir)
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					res.listErrs = append(res.listErrs, err)
					return
				}
				for _, e := range ents {
					if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
						next = append(next, filepath.Join(rel, e.Name()))
					}
				}
			}()
		}
		wg.Wait()
		sort.Strings(next)
		level = next
	}
	return level
}

// copyDays copies the regions end to end with cp -r, one cp per day
// directory and scale.copiers of them at once, so that seconds-long
// Retry-After waits and latency spikes do not serialise.
func (ft *faultTenant) copyDays(dst string, regions ...string) copyResult {
	start := time.Now()
	var res copyResult
	type job struct{ from, to string }
	var jobs []job
	for _, region := range regions {
		for _, rel := range ft.dayDirs(region, &res) {
			to := filepath.Join(dst, region, filepath.Dir(rel))
			if err := os.MkdirAll(to, 0o755); err != nil {
				ft.t.Fatal(err)
			}
			jobs = append(jobs, job{filepath.Join(ft.m.Dir, region, rel), to})
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan job)
	for i := 0; i < ft.scale.copiers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				stderr, err := ft.runTool(toolDeadline, "cp", "-r", j.from, j.to+"/")
				if err != nil {
					mu.Lock()
					res.failed++
					res.stderr = append(res.stderr, stderr)
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	res.took = time.Since(start)
	return res
}

// copyRegion is the plain form: one sequential cp -r of a whole region,
// bounded by deadline.
func (ft *faultTenant) copyRegion(dst, region string, deadline time.Duration) copyResult {
	start := time.Now()
	var res copyResult
	if err := os.MkdirAll(dst, 0o755); err != nil {
		ft.t.Fatal(err)
	}
	if stderr, err := ft.runTool(deadline, "cp", "-r", filepath.Join(ft.m.Dir, region), dst+"/"); err != nil {
		res.failed, res.stderr = 1, []string{stderr}
	}
	res.took = time.Since(start)
	return res
}

// mountIDs maps each file of a region on the mount (path relative to the
// region) to its object id. Call it with faults off.
func (ft *faultTenant) mountIDs(region string) map[string]string {
	root := filepath.Join(ft.m.Dir, region)
	ids := map[string]string{}
	err := ft.withDeadline("walk "+root, func() error {
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir // .filter and .id are views, not more files
			}
			if !d.Type().IsRegular() {
				return nil
			}
			id, err := objectID(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			ids[rel] = id
			return nil
		})
	})
	if err != nil {
		ft.t.Fatalf("walking %s with faults off: %v", root, err)
	}
	return ids
}

func objectID(path string) (string, error) {
	buf := make([]byte, 256)
	n, err := syscall.Getxattr(path, "user.css.id", buf)
	if err != nil {
		return "", fmt.Errorf("getxattr %s: %w", path, err)
	}
	return string(buf[:n]), nil
}

// truth is an object's real content as the emulator holds it.
func (ft *faultTenant) truth(region, id string) []byte { return content(ft.t, ft.emu, region, id) }

// copyReport counts how the copied files compare with the emulator.
type copyReport struct {
	exact, incomplete, missing, wrong int
	failedIDs                         map[string]bool // incomplete or missing
}

func (r copyReport) String() string {
	return fmt.Sprintf("%d exact, %d incomplete, %d missing, %d wrong", r.exact, r.incomplete, r.missing, r.wrong)
}

// verify compares dst/REGION with the emulator byte for byte. A copied
// file that is not a prefix of its object is a wrong file; shorter is
// incomplete (acceptable only where cp reported an error). removed holds
// the objects removed during the test, by REGION/path.
func (ft *faultTenant) verify(dst string, removed map[string]removedObject, regions ...string) copyReport {
	ft.t.Helper()
	rep := copyReport{failedIDs: map[string]bool{}}
	for _, region := range regions {
		paths := ft.mountIDs(region)
		seen := map[string]bool{}
		root := filepath.Join(dst, region)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == root {
					return nil // nothing of this region was copied
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			got, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			var want []byte
			id := paths[rel]
			gone, isGone := removed[filepath.Join(region, rel)]
			switch {
			case isGone:
				id, want = gone.id, gone.content
				seen[id] = true
			case id != "":
				want = ft.truth(region, id)
				seen[id] = true
			default:
				rep.wrong++
				ft.t.Errorf("%s/%s was copied but no object has that path", region, rel)
				return nil
			}
			switch {
			case len(got) > len(want) || !bytes.Equal(got, want[:len(got)]):
				rep.wrong++
				ft.t.Errorf("WRONG BYTES in %s/%s (object %s): got %d bytes, want %d; first difference at %d",
					region, rel, id, len(got), len(want), firstDiff(got, want))
			case len(got) < len(want):
				rep.incomplete++
				rep.failedIDs[id] = true
			default:
				rep.exact++
			}
			return nil
		})
		if err != nil {
			ft.t.Fatalf("walking the copy %s: %v", root, err)
		}
		for _, id := range ft.ids[region] {
			if !seen[id] && !rep.failedIDs[id] {
				rep.missing++
				rep.failedIDs[id] = true
			}
		}
	}
	return rep
}

// removedObject is an object the test removed from the emulator.
type removedObject struct {
	id      string
	content []byte
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// wantAllExact asserts that a curable fault was cured: every object of
// the regions copied, every byte right, no cp error.
func (ft *faultTenant) wantAllExact(res copyResult, rep copyReport, regions ...string) {
	ft.t.Helper()
	want := 0
	for _, r := range regions {
		want += len(ft.ids[r])
	}
	if res.failed > 0 || len(res.listErrs) > 0 {
		ft.t.Errorf("%d cp runs failed and %d listings failed under a curable fault:\n%s%v", res.failed, len(res.listErrs), firstN(res.stderr, 5), res.listErrs)
	}
	if rep.exact != want || rep.wrong != 0 {
		ft.t.Errorf("copy: %v; want all %d exact", rep, want)
	}
}

func firstN(lines []string, n int) string {
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "")
}

// finish checks the mount is still usable with faults off, stops it, and
// checks cssfs exited cleanly and never panicked.
func (ft *faultTenant) finish(region string) {
	ft.t.Helper()
	ft.emu.SetFaults(csstest.Faults{})
	paths := ft.mountIDs(region)
	var rel string
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		if _, err := ft.emu.Object(region, paths[p]); err == nil {
			rel = p // the first that still exists
			break
		}
	}
	p := filepath.Join(ft.m.Dir, region, rel)
	if err := ft.withDeadline("stat "+p, func() error { _, err := os.Stat(p); return err }); err != nil {
		ft.t.Errorf("mount unusable after the fault: %v", err)
	}
	got, err := ft.readFile(p)
	if err != nil {
		ft.t.Errorf("mount unusable after the fault: %v", err)
	} else if want := ft.truth(region, paths[rel]); !bytes.Equal(got, want) {
		ft.t.Errorf("WRONG BYTES reading %s after the fault", p)
	}
	ft.m.Stop()
	log := ft.m.Log.String()
	if strings.Contains(log, "panic") || strings.Contains(log, "goroutine ") {
		ft.t.Errorf("cssfs panicked:\n%s", log)
	}
}

// wantErrno asserts err is one of the errnos.
func wantErrno(t *testing.T, what string, err error, errnos ...syscall.Errno) {
	t.Helper()
	for _, e := range errnos {
		if errors.Is(err, e) {
			return
		}
	}
	t.Errorf("%s: got %v, want one of %v", what, err, errnos)
}

// errnoName names the errno inside err, for the outcome table.
func errnoName(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e.Error()
	}
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// outcome logs one row of the README's fault table.
func outcome(t *testing.T, format string, args ...any) {
	t.Logf("OUTCOME %s | %s", t.Name(), fmt.Sprintf(format, args...))
}

// faultsAtOnce is how many fault subtests run together. They mostly wait
// on injected delays and retries, so this is above the core count; the load
// test, which measures memory, runs alone.
const faultsAtOnce = 4

// TestFaults runs one subtest per fault, each with its own emulator and
// mount so that no fault leaks into another; the longest start first.
func TestFaults(t *testing.T) {
	mounttest.RequireFUSE(t, "cp")
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"short bodies, Range ignored", testShortBodiesWhole},
		{"token lifetime 5s", testTokenExpiry},
		{"combined", curable(csstest.Faults{Rate429: 0.05, RetryAfter: time.Second, Rate5xx: 0.05, ResetRate: 0.05,
			SpikeRate: 0.005, SpikeLatency: 2 * time.Second, MalformedRate: 0.05, IgnoreRange: true})},
		{"429 with Retry-After", curable(csstest.Faults{Rate429: 0.10, RetryAfter: time.Second})},
		{"region down", testRegionDown},
		{"latency spikes of 2s", curable(csstest.Faults{SpikeRate: 0.01, SpikeLatency: 2 * time.Second})},
		{"5xx", curable(csstest.Faults{Rate5xx: 0.10})},
		{"resets mid-body", curable(csstest.Faults{ResetRate: 0.20})},
		{"malformed JSON pages", curable(csstest.Faults{MalformedRate: 0.10})},
		{"Range ignored", curable(csstest.Faults{IgnoreRange: true})},
		{"bodies longer than storedBytes", curable(csstest.Faults{LongBodies: true})},
		{"bodies longer, Range ignored", curable(csstest.Faults{LongBodies: true, IgnoreRange: true})},
		{"short bodies", testShortBodiesCopy},
		{"object vanishes", testVanishedObject},
	}
	slots := make(chan struct{}, faultsAtOnce)
	var wg sync.WaitGroup
	for _, c := range cases {
		slots <- struct{}{}
		wg.Add(1)
		go func() { // t.Run may be called from several goroutines at once
			defer wg.Done()
			defer func() { <-slots }()
			t.Run(c.name, c.run)
		}()
	}
	wg.Wait()
}

// curable is a fault that retries can cure: every file of both regions
// must be copied with every byte right.
func curable(faults csstest.Faults) func(t *testing.T) {
	return func(t *testing.T) {
		ft := newFaultTenant(t, csstest.Options{Seed: 11}, false)
		ft.emu.SetFaults(faults)
		dst := t.TempDir()
		res := ft.copyDays(dst, faultRegions...)
		ft.emu.SetFaults(csstest.Faults{})
		rep := ft.verify(dst, nil, faultRegions...)
		ft.wantAllExact(res, rep, faultRegions...)
		outcome(t, "%v in %v", rep, res.took.Round(100*time.Millisecond))
		ft.finish("uk")
	}
}

// testTokenExpiry: tokens live 5 s while one sequential cp -r lasts
// several lifetimes; the client must renew them without a visible error.
func testTokenExpiry(t *testing.T) {
	const lifetime = 5 * time.Second
	ft := newFaultTenant(t, csstest.Options{Seed: 12, TokenLifetime: lifetime}, false)
	ft.emu.ResetCounts()
	ft.emu.SetFaults(csstest.Faults{Latency: ft.scale.tokenLatency})
	dst := t.TempDir()
	// Every file costs at least one delayed request; allow four.
	res := ft.copyRegion(dst, "us-east", toolDeadline+4*time.Duration(len(ft.ids["us-east"]))*ft.scale.tokenLatency)
	ft.emu.SetFaults(csstest.Faults{})
	rep := ft.verify(dst, nil, "us-east")
	ft.wantAllExact(res, rep, "us-east")
	if res.took < 3*lifetime {
		t.Errorf("the copy took %v, not the several token lifetimes the test needs; raise tokenLatency", res.took)
	}
	tokens := ft.emu.Count("token")
	if tokens < int64(res.took/lifetime) {
		t.Errorf("%d token requests during a %v copy with %v tokens: tokens were not renewed", tokens, res.took, lifetime)
	}
	outcome(t, "%v in %v, %d tokens fetched", rep, res.took.Round(100*time.Millisecond), tokens)
	ft.finish("us-east")
}

// testShortBodiesCopy: a body that ends before storedBytes must give EIO,
// never short or wrong data, and the error must not outlive the fault.
func testShortBodiesCopy(t *testing.T) {
	ft := newFaultTenant(t, csstest.Options{Seed: 13}, false)
	paths := ft.mountIDs("uk")
	ft.emu.SetFaults(csstest.Faults{ShortBodies: true})
	dst := t.TempDir()
	res := ft.copyDays(dst, faultRegions...)

	// Direct reads of a few objects, in Go, to see the errno.
	sample := slices.Sorted(maps.Keys(paths))[:5]
	for _, rel := range sample {
		_, err := ft.readFile(filepath.Join(ft.m.Dir, "uk", rel))
		wantErrno(t, "read of a short body "+rel, err, syscall.EIO)
	}
	ft.emu.SetFaults(csstest.Faults{})
	rep := ft.verify(dst, nil, faultRegions...)
	total := len(ft.ids["us-east"]) + len(ft.ids["uk"])
	if rep.wrong != 0 || rep.exact != 0 || len(rep.failedIDs) != total {
		t.Errorf("copy: %v; want every one of %d objects failed and none wrong", rep, total)
	}
	if res.failed == 0 {
		t.Errorf("cp reported no error although every body was short")
	}
	// Cured: the same objects now read in full.
	for _, rel := range sample {
		p := filepath.Join(ft.m.Dir, "uk", rel)
		got, err := ft.readFile(p)
		if err != nil || !bytes.Equal(got, ft.truth("uk", paths[rel])) {
			t.Errorf("%s after the fault ended: %v (%d bytes); the error outlived the fault", rel, err, len(got))
		}
	}
	outcome(t, "%d of %d files EIO as expected (%d cp runs reported it), %d wrong; readable again once cured",
		len(rep.failedIDs), total, res.failed, rep.wrong)
	ft.finish("uk")
}

// testShortBodiesWhole: whole-object answers (Range ignored) that end
// early are retried and then give EIO; only a few files, since each one
// waits out the retries.
func testShortBodiesWhole(t *testing.T) {
	ft := newFaultTenant(t, csstest.Options{Seed: 17}, false)
	paths := ft.mountIDs("us-east")
	ft.emu.SetFaults(csstest.Faults{ShortBodies: true, IgnoreRange: true})
	sample := slices.Sorted(maps.Keys(paths))[:ft.scale.wholeShort]
	errs := make([]error, len(sample))
	var wg sync.WaitGroup
	start := time.Now()
	for i, rel := range sample {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = ft.readFile(filepath.Join(ft.m.Dir, "us-east", rel))
		}()
	}
	wg.Wait()
	took := time.Since(start)
	names := map[string]int{}
	for i, err := range errs {
		wantErrno(t, "read of a short whole body "+sample[i], err, syscall.EIO)
		names[errnoName(err)]++
	}
	outcome(t, "%d files read directly: %v after %v", len(sample), names, took.Round(100*time.Millisecond))
	ft.finish("us-east")
}

// testVanishedObject: objects removed between listing and reading
// give ENOENT or EIO at read; every other file is copied exactly.
func testVanishedObject(t *testing.T) {
	ft := newFaultTenant(t, csstest.Options{Seed: 14}, false)
	paths := ft.mountIDs("us-east") // the listing
	removed := map[string]removedObject{}
	for _, rel := range slices.Sorted(maps.Keys(paths))[:5] {
		id := paths[rel]
		removed[filepath.Join("us-east", rel)] = removedObject{id, ft.truth("us-east", id)}
		if err := ft.emu.Remove("us-east", id); err != nil {
			t.Fatal(err)
		}
	}
	errnos := map[string]int{}
	for rel := range removed {
		_, err := ft.readFile(filepath.Join(ft.m.Dir, rel))
		wantErrno(t, "read of a vanished object "+rel, err, syscall.ENOENT, syscall.EIO)
		errnos[errnoName(err)]++
	}
	dst := t.TempDir()
	res := ft.copyDays(dst, faultRegions...)
	rep := ft.verify(dst, removed, faultRegions...)
	total := len(ft.ids["us-east"]) + len(ft.ids["uk"])
	if rep.wrong != 0 || rep.exact != total-len(removed) || len(rep.failedIDs) != len(removed) {
		t.Errorf("copy: %v; want %d exact and the %d vanished ones failed", rep, total-len(removed), len(removed))
	}
	for rel, o := range removed {
		if !rep.failedIDs[o.id] {
			t.Errorf("vanished object %s was copied", rel)
		}
	}
	if res.failed == 0 {
		t.Errorf("cp reported no error for the vanished objects")
	}
	outcome(t, "%d vanished objects: direct reads gave %v; cp reported them; %d others exact, %d wrong", len(removed), errnos, rep.exact, rep.wrong)
	ft.finish("us-east")
}

// testRegionDown: one region failing entirely gives EIO there while
// the other region copies exactly; the failing one recovers afterwards.
func testRegionDown(t *testing.T) {
	ft := newFaultTenant(t, csstest.Options{Seed: 15}, false)
	ft.emu.FailRegion("uk", true)
	dst := t.TempDir()
	okRes := ft.copyDays(dst, "us-east")

	// cp -r of the failing region, and beside it a listing in Go for the errno.
	listed := make(chan error, 1)
	go func() {
		listed <- ft.withDeadline("readdir uk", func() error {
			_, err := os.ReadDir(filepath.Join(ft.m.Dir, "uk", "callrecording"))
			return err
		})
	}()
	downRes := ft.copyRegion(filepath.Join(dst, "down"), "uk", toolDeadline)
	if downRes.failed == 0 || !strings.Contains(firstN(downRes.stderr, 1), "Input/output error") {
		t.Errorf("cp -r of the failing region: want EIO, got %d failures: %s", downRes.failed, firstN(downRes.stderr, 1))
	}
	wantErrno(t, "listing the failing region", <-listed, syscall.EIO)

	ft.emu.FailRegion("uk", false)
	rep := ft.verify(dst, nil, "us-east")
	ft.wantAllExact(okRes, rep, "us-east")
	downRep := ft.verify(filepath.Join(dst, "down"), nil, "uk")
	if downRep.wrong != 0 {
		t.Errorf("failing region: %v", downRep)
	}
	outcome(t, "us-east: %v; uk: cp failed with EIO after %v, %d files copied, readable once the region is back",
		rep, downRes.took.Round(100*time.Millisecond), downRep.exact)
	ft.finish("uk")
}

// TestFaultLoad: 32 parallel readers over small and multi-MiB objects for a
// bounded time with 5xx and resets on (and Range ignored in the second
// half): every byte right, no error, no read beyond its deadline, and the
// process within its cache bound.
func TestFaultLoad(t *testing.T) {
	const readers = 32
	ft := newFaultTenant(t, csstest.Options{Seed: 16}, true)
	type file struct{ region, path, id string }
	var small, big []file
	for _, region := range faultRegions {
		for rel, id := range ft.mountIDs(region) {
			f := file{region, filepath.Join(ft.m.Dir, region, rel), id}
			if strings.HasPrefix(filepath.Base(rel), "big-") {
				big = append(big, f)
			} else {
				small = append(small, f)
			}
		}
	}
	if len(big) == 0 || len(small) == 0 {
		t.Fatalf("%d big and %d small files on the mount", len(big), len(small))
	}
	base := csstest.Faults{Rate5xx: 0.05, ResetRate: 0.05}
	ft.emu.SetFaults(base)
	start := time.Now()
	half, end := start.Add(ft.scale.loadFor/2), start.Add(ft.scale.loadFor)
	var ignoring sync.Once
	var files, bytesRead, slowest atomic.Int64
	errs := make(chan error, readers)
	var wg sync.WaitGroup
	for i := 0; i < readers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 16))
			for time.Now().Before(end) {
				if time.Now().After(half) {
					ignoring.Do(func() { base.IgnoreRange = true; ft.emu.SetFaults(base) })
				}
				f := small[rng.IntN(len(small))]
				if rng.IntN(2) == 0 {
					f = big[rng.IntN(len(big))]
				}
				n, err := ft.checkRead(f.region, f.id, f.path, &slowest)
				if err != nil {
					errs <- err
					return
				}
				files.Add(1)
				bytesRead.Add(n)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	peak := ft.m.PeakRSS()
	// The race detector (CSSFS_TEST_RACE=1) multiplies memory use.
	if limit := int64(faultCacheSize + rssAllowance); peak > limit && os.Getenv("CSSFS_TEST_RACE") != "1" {
		t.Errorf("peak RSS %d MiB, above --cache-size 64 MiB + 150 MiB", peak>>20)
	}
	if max := time.Duration(slowest.Load()); max > faultOpTimeout {
		t.Errorf("slowest read took %v, beyond --op-timeout %v", max, faultOpTimeout)
	}
	outcome(t, "%d readers, %v: %d files, %d MiB read, all bytes correct; slowest read %v; peak RSS %d MiB",
		readers, ft.scale.loadFor, files.Load(), bytesRead.Load()>>20, time.Duration(slowest.Load()).Round(time.Millisecond), peak>>20)
	ft.finish("us-east")
}

// checkRead reads a file through the mount in 128 KiB reads, each checked
// against the emulator and timed, and returns the bytes read.
func (ft *faultTenant) checkRead(region, id, path string, slowest *atomic.Int64) (int64, error) {
	src, size, err := ft.emu.Open(region, id)
	if err != nil {
		return 0, fmt.Errorf("emulator content of %s: %w", id, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	got, want := make([]byte, 128<<10), make([]byte, 128<<10)
	var off int64
	for {
		began := time.Now()
		n, err := f.Read(got)
		took := int64(time.Since(began))
		for old := slowest.Load(); took > old && !slowest.CompareAndSwap(old, took); old = slowest.Load() {
		}
		if n > 0 {
			if off+int64(n) > size {
				return off, fmt.Errorf("WRONG BYTES: %s has more than its %d bytes", path, size)
			}
			if _, rerr := src.ReadAt(want[:n], off); rerr != nil && rerr != io.EOF {
				return off, fmt.Errorf("emulator content of %s: %w", id, rerr)
			}
			if !bytes.Equal(got[:n], want[:n]) {
				return off, fmt.Errorf("WRONG BYTES in %s at %d..%d", path, off, off+int64(n))
			}
			off += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return off, fmt.Errorf("read %s at %d: %w", path, off, err)
		}
	}
	if off != size {
		return off, fmt.Errorf("%s: read %d bytes, want %d", path, off, size)
	}
	return off, nil
}
