package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
)

// binPath is the cssfs binary the FUSE tests run, built once by TestMain.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cssfs-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "cssfs")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building cssfs: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireFUSE skips when FUSE cannot be used here, unless CI demands it.
func requireFUSE(t *testing.T, tools ...string) {
	t.Helper()
	skip := func(why string) {
		if os.Getenv("CSSFS_REQUIRE_FUSE") == "1" {
			t.Fatalf("CSSFS_REQUIRE_FUSE=1 but %s", why)
		}
		t.Skip(why)
	}
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		skip("no usable /dev/fuse: " + err.Error())
	}
	f.Close()
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("fusermount3"); err != nil {
			skip("not root and no fusermount3")
		}
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			skip(tool + " is not installed")
		}
	}
}

// mounted is a running "cssfs mount" over an emulator.
type mounted struct {
	t   *testing.T
	dir string
	emu *csstest.Server
	cmd *exec.Cmd
	log *logBuffer
}

// mountEmulator starts an emulator with opts and mounts it with the real
// binary; the mount is always unmounted when the test ends.
func mountEmulator(t *testing.T, opts csstest.Options, args ...string) *mounted {
	t.Helper()
	emu, err := csstest.New(opts)
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	dir := t.TempDir()
	m := &mounted{t: t, dir: dir, emu: emu, log: &logBuffer{}}
	cmd := exec.Command(binPath, append(append([]string{"mount", "--api-url", emu.URL, "--log-level", "debug"}, args...), dir)...)
	cmd.Env = append(os.Environ(), "CSSFS_KEY="+emu.Key, "CSSFS_SECRET="+emu.Secret)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = m.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.cmd = cmd
	t.Cleanup(m.stop)
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && !strings.Contains(line, "mounted at") {
			err = fmt.Errorf("unexpected first line %q", line)
		}
		ready <- err
		io.Copy(io.Discard, stdout)
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("cssfs mount did not come up: %v\n%s", err, m.log)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("cssfs mount: no ready line after 60s\n%s", m.log)
	}
	return m
}

// stop sends SIGTERM and checks the mount is gone.
func (m *mounted) stop() {
	if m.cmd.ProcessState != nil {
		return
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	m.waitExit()
}

// waitExit waits for cssfs to exit by itself and checks the mount is gone.
func (m *mounted) waitExit() {
	done := make(chan error, 1)
	go func() { done <- m.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			m.t.Errorf("cssfs mount exited with %v\n%s", err, m.log)
		}
	case <-time.After(30 * time.Second):
		m.cmd.Process.Kill()
		<-done
		syscall.Unmount(m.dir, syscall.MNT_DETACH)
		m.t.Errorf("cssfs mount did not exit within 30s\n%s", m.log)
	}
	if isMounted(m.dir) {
		syscall.Unmount(m.dir, syscall.MNT_DETACH)
		m.t.Errorf("%s still mounted after cssfs exited", m.dir)
	}
}

// run runs a tool and returns its stdout, failing the test on error.
func (m *mounted) run(name string, args ...string) string {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		m.t.Fatalf("%s %s: %v\nstderr: %s\ncssfs log (tail): %s", name, strings.Join(args, " "), err, stderr.String(), tail(m.log.String(), 3000))
	}
	return stdout.String()
}

func isMounted(dir string) bool {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 4 && fields[4] == dir {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// logBuffer collects the child's stderr; it may be read while written.
type logBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed and replaced on every write
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.written != nil {
		close(l.written)
		l.written = nil
	}
	return l.b.Write(p)
}

// waitFor blocks until the log contains s, or timeout passes.
func (l *logBuffer) waitFor(s string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		if strings.Contains(l.b.String(), s) {
			l.mu.Unlock()
			return true
		}
		if l.written == nil {
			l.written = make(chan struct{})
		}
		ch := l.written
		l.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
