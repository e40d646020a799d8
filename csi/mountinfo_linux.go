package csi

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// fsType is the type the kernel shows for a cssfs mount.
const fsType = "fuse.cssfs"

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	point, fsType, source string
}

// readMounts lists the mounts of this process's namespace.
func readMounts() ([]mountEntry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("listing mounts: %w", err)
	}
	defer f.Close()
	var out []mountEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" && i >= 6 {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || sep+2 >= len(fields) {
			continue
		}
		out = append(out, mountEntry{point: unescapeMount(fields[4]), fsType: fields[sep+1], source: unescapeMount(fields[sep+2])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("listing mounts: %w", err)
	}
	return out, nil
}

// unescapeMount undoes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isMountpoint says whether path is a mountpoint, and of what type.
func isMountpoint(path string) (bool, string, error) {
	mounts, err := readMounts()
	if err != nil {
		return false, "", err
	}
	found, typ := false, ""
	for _, m := range mounts {
		if m.point == path {
			found, typ = true, m.fsType // the last one is on top
		}
	}
	return found, typ, nil
}

// isDead says whether a FUSE mount's process is gone: the kernel then
// answers ENOTCONN to whatever reaches it. statfs always does (a stat
// may be answered from the kernel's cache).
func isDead(path string) bool {
	var st syscall.Statfs_t
	err := syscall.Statfs(path, &st)
	return errors.Is(err, syscall.ENOTCONN) || errors.Is(err, syscall.ECONNABORTED)
}

// unmount unmounts path; a busy mount (files open on it) is detached,
// to go away when they are closed.
func unmount(path string) error {
	if os.Geteuid() != 0 {
		out, err := exec.Command("fusermount3", "-u", "-z", path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("fusermount3 -u -z %s: %w: %s", path, err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	err := syscall.Unmount(path, 0)
	if errors.Is(err, syscall.EBUSY) {
		err = syscall.Unmount(path, syscall.MNT_DETACH)
	}
	if err != nil {
		return fmt.Errorf("unmounting %s: %w", path, err)
	}
	return nil
}

// remountReadOnly makes the mount at path read-only for everyone who
// reaches it there, whatever the mount process allows (setfattr too). A
// bind remount sets every per-mount flag, so the others (nosuid, nodev…)
// are read first and kept.
func remountReadOnly(path string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return fmt.Errorf("remounting %s read-only: %w", path, err)
	}
	flags := uintptr(unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY)
	for _, f := range []struct{ st, ms uintptr }{
		{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if uintptr(st.Flags)&f.st != 0 {
			flags |= f.ms
		}
	}
	if err := unix.Mount("", path, "", flags, ""); err != nil {
		return fmt.Errorf("remounting %s read-only: %w", path, err)
	}
	return nil
}
