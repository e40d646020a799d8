package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cssfs/cssfs/internal/mounttest"
)

func TestProgressLine(t *testing.T) {
	p := &progress{files: 4, filesDone: 2, total: 4 << 20, bytes: 1 << 20, current: "a.wav"}
	got := p.line(time.Second)
	for _, want := range []string{"[======                  ]", " 25%", "1.0 MiB / 4.0 MiB", "1.0 MiB/s", "ETA 3s", "2/4 files", "a.wav"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
}

// Into a pipe, cssfs get draws no bar and ends with a summary; on a
// terminal it draws the bar with the total.
func TestGetProgressOnlyOnTerminal(t *testing.T) {
	emu := mounttest.Emulator(t, tenant)
	env := append(os.Environ(), "CSSFS_API_URL="+emu.URL, "CSSFS_KEY="+emu.Key, "CSSFS_SECRET="+emu.Secret)
	const src = "/uk"
	cmd := osexec.Command(binPath, "get", src, t.TempDir())
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("get: %v %s", err, errOut.String())
	}
	if strings.Contains(errOut.String(), "\r") || strings.Contains(errOut.String(), "%") {
		t.Errorf("get into a pipe drew a bar: %q", errOut.String())
	}
	if !strings.Contains(out.String(), " files copied (") || !strings.Contains(out.String(), "/s), 0 already complete, 0 failed") {
		t.Errorf("summary %q", out.String())
	}

	pty, tty := openPTY(t)
	cmd = osexec.Command(binPath, "get", src, t.TempDir())
	cmd.Env, cmd.Stderr = env, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the child holds it; reading pty ends when the child exits
	screen, _ := io.ReadAll(pty)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("get on a terminal: %v %s", err, screen)
	}
	if !strings.Contains(string(screen), "100%") || !strings.Contains(string(screen), "ETA") {
		t.Errorf("get on a terminal drew no bar: %q", screen)
	}
}

// openPTY opens a pseudo-terminal pair: the controlling side and the
// terminal a program writes to.
func openPTY(t *testing.T) (pty, tty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { pty.Close() })
	if err := unix.IoctlSetPointerInt(int(pty.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(pty.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pty, tty
}
