package mounts

import "syscall"

// lazyFlag detaches a busy mount now; it goes when its files close.
const lazyFlag = syscall.MNT_DETACH
