//go:build !linux && !windows

package main

import "golang.org/x/sys/unix"

// lazyUnmountFlag: the BSDs and macOS have no lazy unmount; forcing is the
// nearest (open files on the mount then fail).
const lazyUnmountFlag = unix.MNT_FORCE
