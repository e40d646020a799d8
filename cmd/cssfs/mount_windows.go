package main

import (
	"errors"
	"io"
)

// errNoFUSE: go-fuse has no Windows port; the tree is still there by path.
var errNoFUSE = errors.New("mounting needs FUSE, which cssfs does not support on Windows: use cssfs ls, cat or get (or run cssfs mount under WSL)")

// runMount parses the flags first, so that --help and mistakes answer as
// everywhere else.
func runMount(args []string, stdout, stderr io.Writer) error {
	f, _ := newMountFlags(stderr)
	if err := parseFlags(f, args, stdout); err != nil {
		return err
	}
	return errNoFUSE
}

func runUnmount(args []string, stdout, stderr io.Writer) error {
	f := newUnmountFlags(stderr, new(bool))
	if err := parseFlags(f, args, stdout); err != nil {
		return err
	}
	return errNoFUSE
}
