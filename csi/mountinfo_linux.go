package csi

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cssfs/cssfs/internal/mounts"
)

// fsType is the type the kernel shows for a cssfs mount.
const fsType = mounts.CSSFS

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
		return mounts.Unmount(path, true) // fusermount3 cannot tell busy apart
	}
	err := mounts.Unmount(path, false)
	if errors.Is(err, syscall.EBUSY) {
		err = mounts.Unmount(path, true)
	}
	return err
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
