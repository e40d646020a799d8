package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cssfs/cssfs/internal/mounttest"
)

// --file-mode, --dir-mode and --gid give one group, and nobody else, the
// recordings; stat on the real mount shows what the kernel enforces.
func TestFileAndDirModes(t *testing.T) {
	mounttest.RequireFUSE(t)
	m := mountEmulator(t, tenant, "--file-mode", "0440", "--dir-mode", "550", "--gid", "4242", "--allow-root")
	var files, dirs int
	err := filepath.WalkDir(filepath.Join(m.Dir, "uk"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			return err
		}
		want := uint32(0o440)
		if d.IsDir() {
			want, dirs = 0o550, dirs+1
		} else {
			files++
		}
		if st.Mode&0o7777 != want || st.Gid != 4242 {
			t.Errorf("%s: mode %04o gid %d, want %04o gid 4242", p, st.Mode&0o7777, st.Gid, want)
		}
		return nil
	})
	if err != nil || files == 0 || dirs == 0 {
		t.Fatalf("walked %d files and %d dirs: %v", files, dirs, err)
	}
}

func TestModeFlagsFromFstab(t *testing.T) {
	got, ok := helperArgs([]string{"none", "/mnt/css", "-o", "file_mode=0440,dir_mode=0550,gid=100,allow_root"})
	want := []string{"--daemon", "--file-mode=0440", "--dir-mode=0550", "--gid=100", "--allow-root", "/mnt/css"}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("helperArgs = %q; want %q", got, want)
	}
	var m octalMode
	for in, v := range map[string]octalMode{"0440": 0o440, "440": 0o440, "0o750": 0o750} {
		if err := m.Set(in); err != nil || m != v {
			t.Errorf("Set(%q) = %o, %v", in, m, err)
		}
	}
	for _, bad := range []string{"", "9", "01000", "rw"} {
		if err := m.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}
