package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// binPath is the cssfs binary the FUSE tests run, built once by TestMain.
var binPath string

func TestMain(m *testing.M) {
	bin, cleanup, err := mounttest.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// mounted is a running "cssfs mount" over an emulator.
type mounted struct {
	*mounttest.Mount
	t *testing.T
}

// mountEmulator starts an emulator with opts and mounts it with the real binary.
func mountEmulator(t *testing.T, opts csstest.Options, args ...string) *mounted {
	t.Helper()
	emu := mounttest.Emulator(t, opts)
	return &mounted{Mount: mounttest.Start(t, binPath, emu, append([]string{"--log-level", "debug"}, args...)...), t: t}
}
