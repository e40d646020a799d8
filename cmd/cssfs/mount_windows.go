package main

import (
	"errors"
	"io"
)

// errNoFUSE: go-fuse has no Windows port; the tree is still there by path.
var errNoFUSE = errors.New("mounting needs FUSE, which cssfs does not support on Windows: use cssfs ls, cat or get (or run cssfs mount under WSL)")

func runMount(args []string, stdout, stderr io.Writer) error   { return errNoFUSE }
func runUnmount(args []string, stdout, stderr io.Writer) error { return errNoFUSE }

// checkMountArgs: no mount here, so no volume's parameters to check.
func checkMountArgs(args []string) error { return errNoFUSE }
