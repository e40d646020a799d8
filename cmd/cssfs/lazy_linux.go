package main

import "syscall"

// lazyUnmountFlag detaches a busy mount now; it goes when its files close.
const lazyUnmountFlag = syscall.MNT_DETACH
