//go:build !linux && !windows

package mounts

import "golang.org/x/sys/unix"

// lazyFlag: the BSDs and macOS have no lazy unmount; forcing is the
// nearest (open files on the mount then fail).
const lazyFlag = unix.MNT_FORCE
