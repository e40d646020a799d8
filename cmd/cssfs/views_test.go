package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// content is the emulator's own bytes of an object.
func content(t *testing.T, emu *csstest.Server, region, id string) []byte {
	t.Helper()
	r, size, err := emu.Open(region, id)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return b
}

func TestFilterDirectory(t *testing.T) {
	mounttest.RequireFUSE(t, "ls", "find")
	m := mountEmulator(t, tenant)
	expr := "type==callrecording;direction==INBOUND"
	dir := filepath.Join(m.Dir, "us-east", ".filter", expr)
	var want []string
	for _, o := range m.Emu.Objects("us-east") {
		if d, _ := o.Tag("direction"); o.Type == "callrecording" && d == "INBOUND" && o.ObjectState == csstest.StateAvailable {
			want = append(want, o.ID)
		}
	}
	if len(want) == 0 {
		t.Fatal("the tenant has no inbound call recordings")
	}
	var got []string
	m.Run("ls", "-l", dir) // the real tool lists it
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	byID := m.filesByID()
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		id := xattr(t, p, "user.css.id")
		got = append(got, id)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		orig := byID[id][0].info
		if st.Size() != orig.Size() || !st.ModTime().Equal(orig.ModTime()) || st.Mode() != orig.Mode() || st.Sys().(*syscall.Stat_t).Ino != orig.Sys().(*syscall.Stat_t).Ino {
			t.Errorf("%s: attributes differ from the same object in the tree", e.Name())
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf(".filter/%s lists %d objects, want %d", expr, len(got), len(want))
	}

	// An invalid expression is not there, and the log says why.
	if _, err := os.Stat(filepath.Join(m.Dir, "us-east", ".filter", "type==(")); !os.IsNotExist(err) {
		t.Errorf("invalid filter: %v, want ENOENT", err)
	}
	if !m.Log.WaitFor("invalid filter", 10*time.Second) {
		t.Errorf("no log line for the invalid filter")
	}
	// .filter lists nothing, and find never wanders into it.
	if entries, err := os.ReadDir(filepath.Join(m.Dir, "us-east", ".filter")); err != nil || len(entries) != 0 {
		t.Errorf(".filter lists %d entries, %v", len(entries), err)
	}
	if out := m.Run("find", m.Dir); strings.Contains(out, ".filter") || strings.Contains(out, ".id") {
		t.Errorf("find shows .filter or .id")
	}
}

func TestIDDirectory(t *testing.T) {
	mounttest.RequireFUSE(t, "cat")
	m := mountEmulator(t, tenant)
	var obj csstest.Object
	for _, o := range m.Emu.Objects("uk") {
		if o.ObjectState == csstest.StateAvailable && o.StoredBytes > 1000 && o.StoredBytes < 1<<20 {
			obj = o
			break
		}
	}
	m.Emu.ResetCounts()
	got := m.Run("cat", filepath.Join(m.Dir, "uk", ".id", obj.ID))
	if !bytes.Equal([]byte(got), content(t, m.Emu, "uk", obj.ID)) {
		t.Errorf("cat .id/%s gave other bytes", obj.ID)
	}
	if n := m.Emu.Count("object") + m.Emu.Count("metadata") + m.Emu.Count("search"); n != 1 {
		t.Errorf(".id lookup made %d metadata/search requests, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(m.Dir, "uk", ".id", "no-such-object")); !os.IsNotExist(err) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestArchivedObjectsRestore(t *testing.T) {
	mounttest.RequireFUSE(t, "setfattr", "getfattr", "cat")
	m := mountEmulator(t, tenant, "--show-archived")
	id := m.Emu.HardCases("us-east")["archived"]
	var p string
	for fid, fs := range m.filesByID() {
		if fid == id {
			p = fs[0].path
		}
	}
	if p == "" {
		t.Fatal("the archived object is not shown")
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0 {
		t.Errorf("archived file mode %v, want 0000", st.Mode().Perm())
	}
	if s := xattr(t, p, "user.css.objectState"); s != "ARCHIVED" {
		t.Errorf("objectState %q", s)
	}
	if _, err := os.ReadFile(p); !errorIs(err, syscall.EACCES) {
		t.Errorf("reading an archived file: %v, want EACCES", err)
	}
	if !m.Log.WaitFor("setfattr -n user.css.restore", 10*time.Second) {
		t.Errorf("the log does not say how to restore")
	}
	if err := syscall.Setxattr(p, "user.css.restore", []byte("11"), 0); !errorIs(err, syscall.EINVAL) {
		t.Errorf("restore for 11 days: %v, want EINVAL", err)
	}
	m.Run("setfattr", "-n", "user.css.restore", "-v", "3", p)
	got := m.Run("cat", p) // no remount
	if !bytes.Equal([]byte(got), content(t, m.Emu, "us-east", id)) {
		t.Errorf("restored file has other bytes")
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o444 {
		t.Errorf("restored file mode %v, want 0444", st.Mode().Perm())
	}
}

func TestDelete(t *testing.T) {
	mounttest.RequireFUSE(t, "rm")
	t.Run("refused by default", func(t *testing.T) {
		m := mountEmulator(t, tenant)
		for _, fs := range m.filesByID() {
			if err := os.Remove(fs[0].path); !errorIs(err, syscall.EROFS) {
				t.Errorf("rm: %v, want EROFS", err)
			}
			break
		}
	})
	t.Run("allowed", func(t *testing.T) {
		m := mountEmulator(t, tenant, "--allow-delete")
		files := m.filesByID()
		month := smallestMonth(m, files)
		var day string
		for _, fs := range files {
			if strings.HasPrefix(fs[0].path, month) {
				day = filepath.Dir(fs[0].path)
				break
			}
		}
		entries, _ := os.ReadDir(day)
		victim := filepath.Join(day, entries[0].Name())
		id := xattr(t, victim, "user.css.id")
		m.Run("rm", victim)
		if _, err := os.Stat(victim); !os.IsNotExist(err) {
			t.Errorf("deleted file still there: %v", err)
		}
		if o, _ := m.Emu.Object(regionOf(m, id), id); o.ObjectState != csstest.StateRevoked {
			t.Errorf("object state after rm: %s", o.ObjectState)
		}
		after, _ := os.ReadDir(day)
		if len(after) != len(entries)-1 {
			t.Errorf("directory lists %d, want %d", len(after), len(entries)-1)
		}
		// rm -r of a directory is refused and deletes nothing.
		before := m.Emu.Count("delete")
		if err := osexec.Command("rm", "-r", filepath.Dir(day)).Run(); err == nil {
			t.Errorf("rm -r of a month succeeded")
		}
		if n := m.Emu.Count("delete") - before; n != 0 {
			t.Errorf("rm -r made %d delete requests", n)
		}
	})
}

func TestSidecars(t *testing.T) {
	mounttest.RequireFUSE(t)
	var inodes []map[string]uint64
	for range 2 { // the same inode numbers on every mount
		m := mountEmulator(t, tenant, "--sidecars")
		files := m.filesByID()
		for id, fs := range files {
			p := fs[0].path
			side := p + ".meta.json"
			data, err := os.ReadFile(side)
			if err != nil {
				if len(filepath.Base(side)) > 255 {
					continue // shortened; checked by name elsewhere
				}
				t.Fatalf("%s: %v", side, err)
			}
			var meta map[string]any
			if err := json.Unmarshal(data, &meta); err != nil || meta["id"] != id {
				t.Errorf("%s: %v, id %v", side, err, meta["id"])
			}
			if st, _ := os.Stat(side); st.Size() != int64(len(data)) {
				t.Errorf("%s: size %d, content %d", side, st.Size(), len(data))
			}
		}
		inodes = append(inodes, m.inodes())
		m.Stop()
	}
	if len(inodes[0]) < 100 {
		t.Fatalf("only %d paths on the mount", len(inodes[0]))
	}
	for p, ino := range inodes[0] {
		if ino == 0 || inodes[1][p] != ino {
			t.Errorf("%s: inode %d, then %d on the second mount", p, ino, inodes[1][p])
		}
	}
	if len(inodes[1]) != len(inodes[0]) {
		t.Errorf("%d paths on the first mount, %d on the second", len(inodes[0]), len(inodes[1]))
	}
}

// inodes walks the mount and returns the inode number of every directory
// and file, by path below the mountpoint.
func (m *mounted) inodes() map[string]uint64 {
	m.t.Helper()
	out := map[string]uint64{}
	err := filepath.WalkDir(m.Dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(m.Dir, p)
		out[rel] = info.Sys().(*syscall.Stat_t).Ino
		return nil
	})
	if err != nil {
		m.t.Fatal(err)
	}
	return out
}

func TestLayouts(t *testing.T) {
	mounttest.RequireFUSE(t, "find")
	for _, layout := range []string{"type/direction/date", "user", "date", "flat"} {
		t.Run(strings.ReplaceAll(layout, "/", "-"), func(t *testing.T) {
			m := mountEmulator(t, tenant, "--layout", layout)
			files := m.filesByID()
			want := 0
			for _, region := range []string{"us-east", "uk"} {
				for _, o := range m.Emu.Objects(region) {
					if o.ObjectState == csstest.StateAvailable {
						want++
						if got := len(files[o.ID]); got != 1 {
							t.Errorf("object %s appears %d times", o.ID, got)
						}
					}
				}
			}
			if len(files) != want {
				t.Errorf("%d objects on the mount, want %d", len(files), want)
			}
			if layout == "type/direction/date" {
				for id, fs := range files {
					rel, _ := filepath.Rel(m.Dir, fs[0].path)
					parts := strings.Split(rel, "/")
					dir, _ := objectByID(m, id).Tag("direction")
					if dir == "" {
						dir = "_none"
					}
					if parts[2] != dir {
						t.Errorf("%s is under %s, its direction is %q", rel, parts[2], dir)
					}
				}
			}
		})
	}
}

func objectByID(m *mounted, id string) csstest.Object {
	return m.objects()[id]
}

// cssfsCommand runs the binary's ls/cat/get against emu; the returned
// function gives stdout, or stdout and stderr with the error.
func cssfsCommand(emu *csstest.Server) func(args ...string) (string, error) {
	env := []string{"CSSFS_API_URL=" + emu.URL, "CSSFS_KEY=" + emu.Key, "CSSFS_SECRET=" + emu.Secret}
	return func(args ...string) (string, error) {
		cmd := osexec.Command(binPath, args...)
		cmd.Env = append(os.Environ(), env...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if err != nil {
			return out.String() + errOut.String(), err
		}
		return out.String(), nil
	}
}

func TestLsCatGetWithoutFUSE(t *testing.T) {
	emu := mounttest.Emulator(t, tenant)
	cssfs := cssfsCommand(emu)
	regions, err := cssfs("ls", "/")
	if err != nil || strings.Fields(regions)[0] != "uk" {
		t.Fatalf("ls /: %q %v", regions, err)
	}
	// get a month of call recordings (with sidecars, which name each
	// file's object), then check every byte, and cat's, against the emulator.
	var month string
	count := map[string]int{}
	for _, o := range emu.Objects("uk") {
		if o.Type == "callrecording" && o.ObjectState == csstest.StateAvailable && o.StoredBytes < 30<<20 {
			count[o.Created().Format("2006/01")]++
		}
	}
	for mth, n := range count {
		if n >= 2 && (month == "" || mth < month) {
			month = mth
		}
	}
	dest := t.TempDir()
	src := "/uk/callrecording/" + month
	out, err := cssfs("get", "-q", "--sidecars", src, dest)
	if err != nil {
		t.Fatalf("get: %v\n%s", err, out)
	}
	// The sidecars say which objects each directory holds (a shortened
	// name has a shortened sidecar name, so files are matched by content).
	objects := map[string][][]byte{} // by local directory
	filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".meta.json") {
			var meta struct{ ID string }
			side, _ := os.ReadFile(p)
			if err := json.Unmarshal(side, &meta); err != nil {
				t.Errorf("%s: %v", p, err)
			}
			objects[filepath.Dir(p)] = append(objects[filepath.Dir(p)], content(t, emu, "uk", meta.ID))
		}
		return err
	})
	n := 0
	filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".meta.json") {
			return err
		}
		n++
		rel, _ := filepath.Rel(dest, p)
		local, _ := os.ReadFile(p)
		i := slices.IndexFunc(objects[filepath.Dir(p)], func(want []byte) bool { return bytes.Equal(local, want) })
		if i < 0 {
			t.Errorf("%s: get copied bytes of no object in its directory", rel)
			return nil
		}
		want := objects[filepath.Dir(p)][i]
		objects[filepath.Dir(p)] = slices.Delete(objects[filepath.Dir(p)], i, i+1) // each object once
		if cat, err := cssfs("cat", src+"/"+filepath.ToSlash(rel)); err != nil || cat != string(want) {
			t.Errorf("%s: cat gave other bytes than the emulator's (%v)", rel, err)
		}
		return nil
	})
	for d, left := range objects {
		if len(left) > 0 {
			t.Errorf("%s: %d objects were not copied", d, len(left))
		}
	}
	if n < 2 {
		t.Fatalf("get copied %d files: %s", n, out)
	}
	// A second get finds everything complete; a damaged file is fetched again.
	out, err = cssfs("get", "-q", "--sidecars", src, dest)
	if err != nil || !strings.Contains(out, "0 files copied") {
		t.Errorf("second get: %v %s", err, out)
	}
	var victim string
	filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
		if victim == "" && !d.IsDir() {
			victim = p
		}
		return nil
	})
	os.Truncate(victim, 10)
	out, err = cssfs("get", "-q", "--sidecars", src, dest)
	if err != nil || !strings.Contains(out, "1 files copied") {
		t.Errorf("get after truncating one file: %v %s", err, out)
	}
	if out, err := cssfs("cat", "/uk/no/such/file"); err == nil {
		t.Errorf("cat of a missing path succeeded: %s", out)
	}
}

// lsLine is one entry of cssfs ls -l: mode, size, date and time, name.
var lsLine = regexp.MustCompile(`^(\S+)\s+(\d+) (\S+ \S+) (.*)$`)

// cssfs get of a month lists each directory once (issue 11): at most 60
// searches for a month of a region of 3,000 objects, where resolving every
// file from the root cost thousands; and it copies every file ls lists.
func TestGetOfAMonthIsLinear(t *testing.T) {
	emu := mounttest.Emulator(t, csstest.Options{Objects: 3000})
	cssfs := cssfsCommand(emu)
	const src = "/us-east/callrecording/2023/03"
	dest := t.TempDir()
	emu.ResetCounts()
	out, err := cssfs("get", "-q", src, dest)
	if err != nil {
		t.Fatalf("get: %v\n%s", err, out)
	}
	searches := emu.Count("search")
	t.Logf("cssfs get %s: %s, %d searches", src, strings.TrimSpace(out), searches)
	if searches > 60 {
		t.Errorf("get of %s made %d searches, want at most 60", src, searches)
	}
	listing, err := cssfs("ls", "-R", "-l", src)
	if err != nil {
		t.Fatalf("ls -R: %v\n%s", err, listing)
	}
	dir, files := "", 0
	for _, line := range strings.Split(listing, "\n") {
		if d, ok := strings.CutSuffix(line, ":"); ok && strings.HasPrefix(d, src) {
			dir = strings.TrimPrefix(d, src)
			continue
		}
		f := lsLine.FindStringSubmatch(line)
		if f == nil || strings.HasPrefix(f[1], "d") {
			continue
		}
		files++
		p := filepath.Join(dest, filepath.FromSlash(dir), f[4])
		st, err := os.Stat(p)
		if err != nil || strconv.FormatInt(st.Size(), 10) != f[2] {
			t.Errorf("%s, listed with %s bytes: %v", p, f[2], err)
		}
	}
	if files < 20 || !strings.Contains(out, strconv.Itoa(files)+" files copied") {
		t.Errorf("ls -R lists %d files; get says %q", files, out)
	}
}
