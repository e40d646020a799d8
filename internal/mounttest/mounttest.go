//go:build linux

// Package mounttest runs the real cssfs binary over an emulator, for the
// FUSE tests and the benchmarks: build once, mount in a temp dir, drive
// real tools, and always unmount.
package mounttest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
)

// Build compiles cssfs into a temporary directory; cleanup removes it.
// CSSFS_TEST_RACE=1 builds it with the race detector.
func Build() (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "cssfs-bin")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(dir, "cssfs")
	args := []string{"build", "-o", bin}
	if os.Getenv("CSSFS_TEST_RACE") == "1" {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, "github.com/cssfs/cssfs/cmd/cssfs")...).CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("building cssfs: %v\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// RequireFUSE skips when FUSE or a tool is missing, unless CI demands them
// (CSSFS_REQUIRE_FUSE=1), in which case it fails.
func RequireFUSE(t testing.TB, tools ...string) {
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

// Emulator starts an emulator that is closed when the test ends.
func Emulator(t testing.TB, opts csstest.Options) *csstest.Server {
	t.Helper()
	emu, err := csstest.New(opts)
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu
}

// Mount is a running "cssfs mount" over an emulator.
type Mount struct {
	T   testing.TB
	Dir string
	Emu *csstest.Server
	Cmd *exec.Cmd
	Log *LogBuffer
}

// Start mounts emu with the binary bin; the mount is always unmounted when
// the test ends.
func Start(t testing.TB, bin string, emu *csstest.Server, args ...string) *Mount {
	t.Helper()
	dir := t.TempDir()
	m := &Mount{T: t, Dir: dir, Emu: emu, Log: &LogBuffer{}}
	cmd := exec.Command(bin, append(append([]string{"mount", "--api-url", emu.URL}, args...), dir)...)
	cmd.Env = append(os.Environ(), "CSSFS_KEY="+emu.Key, "CSSFS_SECRET="+emu.Secret)
	if _, set := os.LookupEnv("CSSFS_DEBUG_POISON"); !set {
		// Freed block buffers are overwritten, so a reply sent from one
		// after its release shows as wrong bytes (benchmarks opt out).
		cmd.Env = append(cmd.Env, "CSSFS_DEBUG_POISON=1")
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = m.Log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.Cmd = cmd
	t.Cleanup(m.Stop)
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
			t.Fatalf("cssfs mount did not come up: %v\n%s", err, m.Log)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("cssfs mount: no ready line after 60s\n%s", m.Log)
	}
	return m
}

// Stop sends SIGTERM and checks the mount is gone.
func (m *Mount) Stop() {
	if m.Cmd.ProcessState != nil {
		return
	}
	m.Cmd.Process.Signal(syscall.SIGTERM)
	m.WaitExit()
}

// WaitExit waits for cssfs to exit by itself and checks the mount is gone.
func (m *Mount) WaitExit() {
	done := make(chan error, 1)
	go func() { done <- m.Cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			m.T.Errorf("cssfs mount exited with %v\n%s", err, m.Log)
		}
	case <-time.After(30 * time.Second):
		m.Cmd.Process.Kill()
		<-done
		syscall.Unmount(m.Dir, syscall.MNT_DETACH)
		m.T.Errorf("cssfs mount did not exit within 30s\n%s", m.Log)
	}
	if IsMounted(m.Dir) {
		syscall.Unmount(m.Dir, syscall.MNT_DETACH)
		m.T.Errorf("%s still mounted after cssfs exited", m.Dir)
	}
}

// Run runs a tool and returns its stdout, failing the test on error.
func (m *Mount) Run(name string, args ...string) string {
	m.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		m.T.Fatalf("%s %s: %v\nstderr: %s\ncssfs log (tail): %s", name, strings.Join(args, " "), err, stderr.String(), tail(m.Log.String(), 3000))
	}
	return stdout.String()
}

// PeakRSS is the most memory the cssfs process has held, in bytes.
func (m *Mount) PeakRSS() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.Cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// Usage is the CPU time the cssfs process has used so far (user and
// system) and its minor page faults, from /proc/PID/stat.
func (m *Mount) Usage() (cpu time.Duration, faults int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.Cmd.Process.Pid))
	if err != nil {
		return -1, -1
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, minflt 10, utime 14, stime 15.
	rest := string(data[bytes.LastIndexByte(data, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return -1, -1
	}
	num := func(i int) int64 { n, _ := strconv.ParseInt(f[i-3], 10, 64); return n }
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(num(14)+num(15)) * tick, num(10)
}

// IsMounted reports whether dir is a mountpoint in this namespace.
func IsMounted(dir string) bool {
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

// LogBuffer collects the child's stderr; it may be read while written.
type LogBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed and replaced on every write
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.written != nil {
		close(l.written)
		l.written = nil
	}
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitFor blocks until the log contains s, or timeout passes.
func (l *LogBuffer) WaitFor(s string, timeout time.Duration) bool {
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
