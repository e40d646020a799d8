package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// tenant is the emulator set-up most FUSE tests share.
var tenant = csstest.Options{Seed: 7, Objects: 120}

// mountedFile is one regular file found on the mount.
type mountedFile struct {
	path string
	info os.FileInfo
}

// filesByID walks the mount with find and reads each file's user.css.id.
func (m *mounted) filesByID() map[string][]mountedFile {
	m.t.Helper()
	out := m.Run("find", m.Dir, "-type", "f", "-print0")
	files := map[string][]mountedFile{}
	for _, p := range strings.Split(strings.TrimSuffix(out, "\x00"), "\x00") {
		if p == "" || strings.HasSuffix(p, ".meta.json") { // sidecars (--sidecars)
			continue
		}
		id := xattr(m.t, p, "user.css.id")
		info, err := os.Stat(p)
		if err != nil {
			m.t.Fatalf("stat %s: %v", p, err)
		}
		files[id] = append(files[id], mountedFile{path: p, info: info})
	}
	return files
}

func xattr(t *testing.T, path, name string) string {
	t.Helper()
	buf := make([]byte, 4096)
	n, err := syscall.Getxattr(path, name, buf)
	if err != nil {
		t.Fatalf("getxattr %s %s: %v", path, name, err)
	}
	return string(buf[:n])
}

// objects returns the emulator's own objects of every region, by id.
func (m *mounted) objects() map[string]csstest.Object {
	all := map[string]csstest.Object{}
	for _, region := range []string{"us-east", "uk"} {
		for _, o := range m.Emu.Objects(region) {
			all[o.ID] = o
		}
	}
	return all
}

func regionOf(m *mounted, id string) string {
	for _, region := range []string{"us-east", "uk"} {
		for _, o := range m.Emu.Objects(region) {
			if o.ID == id {
				return region
			}
		}
	}
	return ""
}

func TestFindListsEveryAvailableObjectOnce(t *testing.T) {
	mounttest.RequireFUSE(t, "find")
	m := mountEmulator(t, tenant)
	files := m.filesByID()
	want := 0
	for id, o := range m.objects() {
		got := files[id]
		if o.ObjectState != csstest.StateAvailable {
			if len(got) != 0 {
				t.Errorf("%s object %s is on the mount at %s", o.ObjectState, id, got[0].path)
			}
			continue
		}
		want++
		if len(got) != 1 {
			t.Errorf("object %s (%q) appears %d times, want once", id, o.ObjectName, len(got))
			continue
		}
		f := got[0]
		created := o.Created()
		rel, _ := filepath.Rel(m.Dir, f.path)
		wantDir := filepath.Join(regionOf(m, id), o.Type, created.Format("2006/01/02"))
		if filepath.Dir(rel) != wantDir {
			t.Errorf("object %s at %s, want it in %s", id, rel, wantDir)
		}
		if f.info.Size() != o.StoredBytes {
			t.Errorf("%s: size %d, want storedBytes %d", rel, f.info.Size(), o.StoredBytes)
		}
		if !f.info.ModTime().Equal(created) {
			t.Errorf("%s: mtime %v, want createdTime %v", rel, f.info.ModTime().UTC(), created)
		}
		if perm := f.info.Mode().Perm(); perm != 0o444 {
			t.Errorf("%s: mode %v, want 0444", rel, perm)
		}
		if !utf8.ValidString(filepath.Base(rel)) || len(filepath.Base(rel)) > 255 {
			t.Errorf("%s: name is not valid UTF-8 of at most 255 bytes", rel)
		}
	}
	if len(files) != want {
		t.Errorf("mount has %d objects, emulator has %d available", len(files), want)
	}
}

func TestLsLongShowsMetadata(t *testing.T) {
	mounttest.RequireFUSE(t, "ls")
	m := mountEmulator(t, tenant)
	files := m.filesByID()
	objs := m.objects()
	// The busiest day directory.
	perDir := map[string]int{}
	for _, fs := range files {
		perDir[filepath.Dir(fs[0].path)]++
	}
	day, most := "", 0
	for d, n := range perDir {
		if n > most || (n == most && d < day) {
			day, most = d, n
		}
	}
	out := m.Run("ls", "-l", "--time-style=+%s", day)
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 7 || f[0] == "total" {
			continue
		}
		lines++
		name := strings.Join(f[6:], " ")
		o := objs[xattr(t, filepath.Join(day, name), "user.css.id")]
		if f[4] != strconv.FormatInt(o.StoredBytes, 10) {
			t.Errorf("ls -l %s: size %s, want %d", name, f[4], o.StoredBytes)
		}
		if f[5] != strconv.FormatInt(o.Created().Unix(), 10) {
			t.Errorf("ls -l %s: mtime %s, want %d", name, f[5], o.Created().Unix())
		}
		if f[0] != "-r--r--r--" {
			t.Errorf("ls -l %s: mode %s", name, f[0])
		}
	}
	if lines != most {
		t.Errorf("ls -l listed %d files in %s, want %d", lines, day, most)
	}
}

// hardCases picks the objects whose names or sizes are awkward.
func hardCases(m *mounted, files map[string][]mountedFile) []string {
	names := map[string]int{}
	for id := range files {
		names[m.objects()[id].ObjectName]++
	}
	var ids []string
	for id := range files {
		o := m.objects()[id]
		n := o.ObjectName
		odd := strings.Contains(n, "/") || len(n) > 255 || !isASCII(n) || o.StoredBytes == 0 || names[n] > 1
		if odd && o.StoredBytes < 100<<20 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestEveryByteOfHardCases(t *testing.T) {
	mounttest.RequireFUSE(t, "cmp", "md5sum")
	m := mountEmulator(t, tenant)
	files := m.filesByID()
	ids := hardCases(m, files)
	// A sample of ordinary objects too.
	n := 0
	for id := range files {
		if n < 10 && m.objects()[id].StoredBytes < 20<<20 {
			ids = append(ids, id)
			n++
		}
	}
	if len(ids) < 15 {
		t.Fatalf("only %d objects to compare; the tenant lacks hard cases", len(ids))
	}
	ref := t.TempDir()
	for _, id := range ids {
		r, size, err := m.Emu.Open(regionOf(m, id), id)
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(ref, "want")
		w, err := os.Create(want)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, io.NewSectionReader(r, 0, size)); err != nil {
			t.Fatal(err)
		}
		w.Close()
		m.Run("cmp", want, files[id][0].path)
	}

	// The large object: its MD5 read through the mount equals user.css.checksum.
	var big string
	for id, fs := range files {
		if fs[0].info.Size() >= 100<<20 {
			big = id
		}
	}
	if big == "" {
		t.Fatal("the tenant has no object of 100 MB or more")
	}
	p := files[big][0].path
	sum := strings.Fields(m.Run("md5sum", p))[0]
	if want := xattr(t, p, "user.css.checksum"); sum != want {
		t.Errorf("md5 of %s through the mount is %s, user.css.checksum says %s", p, sum, want)
	}
}

// smallestMonth finds a type/month directory with several files and little data.
func smallestMonth(m *mounted, files map[string][]mountedFile) string {
	type agg struct {
		n    int
		size int64
	}
	months := map[string]*agg{}
	for _, fs := range files {
		d := filepath.Dir(filepath.Dir(fs[0].path))
		if months[d] == nil {
			months[d] = &agg{}
		}
		months[d].n++
		months[d].size += fs[0].info.Size()
	}
	best := ""
	for d, a := range months {
		if a.n >= 4 && a.size < 40<<20 && (best == "" || a.n > months[best].n) {
			best = d
		}
	}
	return best
}

func TestRsyncSecondPassCopiesNothing(t *testing.T) {
	mounttest.RequireFUSE(t, "rsync", "diff")
	m := mountEmulator(t, tenant)
	files := m.filesByID()
	month := smallestMonth(m, files)
	if month == "" {
		t.Fatal("no month directory with at least 4 small files")
	}
	dst := t.TempDir()
	m.Run("rsync", "-a", month+"/", dst+"/")
	m.Run("diff", "-r", month, dst)

	m.Emu.ResetCounts()
	out := m.Run("rsync", "-a", "--itemize-changes", month+"/", dst+"/")
	if strings.TrimSpace(out) != "" {
		t.Errorf("second rsync changed things:\n%s", out)
	}
	if n := m.Emu.Count("content"); n != 0 {
		t.Errorf("second rsync made %d content requests, want 0", n)
	}
}

// audioFile finds a WAV of a few minutes on the mount.
func audioFile(m *mounted, files map[string][]mountedFile) (string, csstest.Object) {
	for id, fs := range files {
		o := m.objects()[id]
		if strings.HasSuffix(fs[0].path, ".wav") && o.StoredBytes > 2<<20 && o.StoredBytes < 20<<20 {
			return fs[0].path, o
		}
	}
	m.t.Fatal("no WAV between 2 and 20 MB on the mount")
	return "", csstest.Object{}
}

func TestFfprobeAndSoxReadHeaders(t *testing.T) {
	mounttest.RequireFUSE(t, "ffprobe", "sox")
	m := mountEmulator(t, tenant)
	p, o := audioFile(m, m.filesByID())
	tag, ok := o.Tag("duration")
	if !ok {
		t.Fatalf("%s has no duration tag", o.ID)
	}
	ms, _ := strconv.ParseFloat(tag, 64)
	want := ms / 1000

	m.Emu.ResetCounts()
	out := m.Run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", p)
	got, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
	if err != nil || math.Abs(got-want) > 0.1 {
		t.Errorf("ffprobe duration %q, want %.3f", out, want)
	}
	if n := m.Emu.Count("content"); n > 4 {
		t.Errorf("ffprobe made %d content requests, want a few (≤4)", n)
	}

	out = m.Run("sox", "--i", "-D", p)
	got, err = strconv.ParseFloat(strings.TrimSpace(out), 64)
	if err != nil || math.Abs(got-want) > 0.1 {
		t.Errorf("sox --i -D says %q, want %.3f", out, want)
	}
}

func TestGetfattrShowsMetadata(t *testing.T) {
	mounttest.RequireFUSE(t, "getfattr")
	m := mountEmulator(t, tenant)
	p, o := audioFile(m, m.filesByID())
	out := m.Run("getfattr", "-d", p)
	want := []string{
		fmt.Sprintf("user.css.id=%q", o.ID),
		fmt.Sprintf("user.css.type=%q", o.Type),
		fmt.Sprintf("user.css.mimeType=%q", o.MimeType),
		fmt.Sprintf("user.css.checksum=%q", o.Checksum),
		fmt.Sprintf("user.css.objectState=%q", o.ObjectState),
		fmt.Sprintf("user.css.bucketId=%q", o.BucketID),
		fmt.Sprintf("user.css.userId=%q", o.UserID),
		fmt.Sprintf("user.css.customerId=%q", o.CustomerID),
	}
	for _, tg := range o.Tags {
		want = append(want, fmt.Sprintf("user.css.tag.%s=%q", tg.Key, tg.Value))
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("getfattr -d lacks %s\n%s", w, out)
		}
	}
}

func TestConcurrentReadersGetCorrectBytes(t *testing.T) {
	mounttest.RequireFUSE(t)
	m := mountEmulator(t, tenant)
	files := m.filesByID()
	var ids []string
	for id, fs := range files {
		if s := fs[0].info.Size(); s > 1<<20 && s < 16<<20 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(ids) < 8 {
		t.Fatalf("only %d files between 1 and 16 MB", len(ids))
	}
	// 8 readers of 8 different files, 8 readers of one file.
	targets := append(append([]string{}, ids[:8]...), ids[0], ids[0], ids[0], ids[0], ids[0], ids[0], ids[0], ids[0])
	var wg sync.WaitGroup
	errs := make(chan error, len(targets))
	for _, id := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := os.ReadFile(files[id][0].path)
			if err != nil {
				errs <- err
				return
			}
			r, size, err := m.Emu.Open(regionOf(m, id), id)
			if err != nil {
				errs <- err
				return
			}
			want := make([]byte, size)
			if _, err := r.ReadAt(want, 0); err != nil && err != io.EOF {
				errs <- err
				return
			}
			if !bytes.Equal(got, want) {
				errs <- fmt.Errorf("%s: bytes differ (got %d, want %d)", files[id][0].path, len(got), len(want))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestWritesAreRefused(t *testing.T) {
	mounttest.RequireFUSE(t)
	m := mountEmulator(t, tenant)
	files := m.filesByID()
	var p string
	for _, fs := range files {
		p = fs[0].path
		break
	}
	if _, err := os.OpenFile(p, os.O_WRONLY, 0); !errorIs(err, syscall.EROFS) {
		t.Errorf("open for writing: %v, want EROFS", err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(p), "new"), []byte("x"), 0o644); !errorIs(err, syscall.EROFS) {
		t.Errorf("create: %v, want EROFS", err)
	}
	if err := os.Remove(p); !errorIs(err, syscall.EROFS) {
		t.Errorf("remove: %v, want EROFS", err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(m.Dir, &st); err != nil || st.Namelen != 255 {
		t.Errorf("statfs: %v, namelen %d", err, st.Namelen)
	}
}

func errorIs(err error, errno syscall.Errno) bool {
	var e syscall.Errno
	for err != nil {
		if x, ok := err.(syscall.Errno); ok {
			e = x
			break
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return e == errno
}

func TestSIGTERMUnmountsEvenWhenBusy(t *testing.T) {
	mounttest.RequireFUSE(t)
	m := mountEmulator(t, tenant)
	if !mounttest.IsMounted(m.Dir) {
		t.Fatalf("%s is not in mountinfo", m.Dir)
	}
	// A file held open makes the mount busy; SIGTERM must still end it.
	var p string
	for _, fs := range m.filesByID() {
		p = fs[0].path
		break
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	m.Cmd.Process.Signal(syscall.SIGTERM)
	if !m.Log.WaitFor("detached", 20*time.Second) {
		t.Fatalf("the busy mount was not reported:\n%s", m.Log)
	}
	if mounttest.IsMounted(m.Dir) {
		t.Errorf("still mounted after SIGTERM with a busy file")
	}
	f.Close()
	m.WaitExit()
}
