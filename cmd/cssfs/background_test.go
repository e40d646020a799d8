package main

import (
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/logout"
	"github.com/cssfs/cssfs/internal/mounttest"
	"github.com/cssfs/cssfs/internal/sdnotify"
)

// A daemonised mount without --log-file logs to the system log: here a
// fake /dev/log, a unix datagram socket like the one journald and rsyslog
// listen on.
func TestDaemonLogsToSyslog(t *testing.T) {
	mounttest.RequireFUSE(t)
	emu := mounttest.Emulator(t, tenant)
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dir := t.TempDir()
	cmd := osexec.Command(binPath, "mount", "--daemon", "--api-url", emu.URL, dir)
	cmd.Env = append(os.Environ(), "CSSFS_KEY="+emu.Key, "CSSFS_SECRET="+emu.Secret, logout.SocketEnv+"="+sock)
	pid := startDaemonised(t, cmd, dir)
	defer osexec.Command(binPath, "unmount", dir).Run()
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 8192)
	var got []string
	for {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no SIGHUP line in the system log: %v; got %q", err, got)
		}
		got = append(got, string(buf[:n]))
		if strings.Contains(string(buf[:n]), "every directory listing dropped") {
			if !strings.Contains(string(buf[:n]), "cssfs[") {
				t.Errorf("syslog line without the cssfs tag: %q", buf[:n])
			}
			break
		}
	}
}

// logrotate renames --log-file and --audit-log, then sends SIGHUP: the
// lines that follow land in new files of the old names.
func TestLogRotationOnHUP(t *testing.T) {
	mounttest.RequireFUSE(t)
	logs := t.TempDir()
	logPath, auditPath := filepath.Join(logs, "cssfs.log"), filepath.Join(logs, "audit.log")
	m := mountEmulator(t, csstest.Options{Regions: []string{"us-east"}}, "--log-file", logPath, "--audit-log", auditPath)
	m.Emu.Add("us-east", csstest.ObjectSpec{Type: "callrecording", Name: "a.wav", Created: time.Date(2023, 5, 10, 9, 0, 0, 0, time.UTC), Size: 100})
	day := filepath.Join(m.Dir, "us-east", "callrecording", "2023", "05", "10")
	entries, err := os.ReadDir(day)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%s: %v %v", day, entries, err)
	}
	file := filepath.Join(day, entries[0].Name())
	if _, err := os.ReadFile(file); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{logPath, auditPath} {
		if err := os.Rename(p, p+".1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !waitFileContains(t, logPath, "every directory listing dropped", 20*time.Second) {
		t.Fatalf("no new %s after SIGHUP", logPath)
	}
	if _, err := os.ReadFile(file); err != nil {
		t.Fatal(err)
	}
	audit, err := os.ReadFile(auditPath)
	if err != nil || !strings.Contains(string(audit), `"event":"open"`) {
		t.Errorf("new audit log after SIGHUP: %q %v", audit, err)
	}
	if old, _ := os.ReadFile(auditPath + ".1"); strings.Count(string(old), "\n") != 1 {
		t.Errorf("rotated audit log holds %q, want the one open before SIGHUP", old)
	}
	if st, err := os.Stat(auditPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("new audit log: %v %v, want mode 0600", st, err)
	}
}

// waitFileContains waits, woken by inotify rather than a timer, until the
// file at path holds s.
func waitFileContains(t *testing.T, path, s string, timeout time.Duration) bool {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, filepath.Dir(path), unix.IN_CREATE|unix.IN_MODIFY); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 4096)
	for {
		if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), s) {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		if _, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(left.Milliseconds())+1); err != nil && err != unix.EINTR {
			t.Fatal(err)
		}
		unix.Read(fd, buf) // drain; the file is read again above
	}
}

// notifySocket sets NOTIFY_SOCKET to a socket of the test's, as systemd
// does, and returns what reads its next message.
func notifySocket(t *testing.T) func() string {
	notify, err := sdnotify.Listen(filepath.Join(t.TempDir(), "notify"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { notify.Close() })
	t.Setenv("NOTIFY_SOCKET", notify.Path)
	return func() string {
		msg, err := notify.Next(time.Now().Add(20 * time.Second))
		if err != nil {
			t.Fatalf("nothing from the mount on NOTIFY_SOCKET: %v", err)
		}
		return msg
	}
}

// Under systemd's Type=notify, the mount says READY=1 once it serves and
// STOPPING=1 when it is unmounted.
func TestSystemdNotify(t *testing.T) {
	mounttest.RequireFUSE(t)
	read := notifySocket(t)
	m := mountEmulator(t, tenant)
	if got := read(); got != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", got)
	}
	if _, err := os.ReadDir(m.Dir); err != nil {
		t.Fatal(err)
	}
	m.Stop()
	if got := read(); got != "STOPPING=1" {
		t.Errorf("notification at unmount %q, want STOPPING=1", got)
	}
}

// With WatchdogSec= in the unit (WATCHDOG_USEC), the serving mount says
// WATCHDOG=1 at half the interval, from READY=1 to STOPPING=1.
func TestSystemdWatchdog(t *testing.T) {
	mounttest.RequireFUSE(t)
	read := notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", "")
	m := mountEmulator(t, tenant)
	if got := read(); got != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", got)
	}
	start := time.Now()
	for i := range 3 {
		if got := read(); got != "WATCHDOG=1" {
			t.Fatalf("notification %d after READY=1: %q, want WATCHDOG=1", i, got)
		}
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Errorf("3 pings in %v, more often than every 100ms", elapsed)
	}
	m.Stop()
	for {
		got := read()
		if got == "STOPPING=1" {
			break
		}
		if got != "WATCHDOG=1" {
			t.Fatalf("at unmount: %q, want STOPPING=1", got)
		}
	}
}

// Started with --daemon by systemd (Type=forking), whose watchdog names the
// process it started, the mount in the background takes the watchdog over.
func TestDaemonWatchdog(t *testing.T) {
	mounttest.RequireFUSE(t)
	sock := filepath.Join(t.TempDir(), "notify")
	notify, err := sdnotify.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	emu := mounttest.Emulator(t, tenant)
	dir := t.TempDir()
	// As systemd does: WATCHDOG_PID is the pid of the process it runs.
	cmd := osexec.Command("/bin/sh", "-c", `export WATCHDOG_PID=$$; exec "$0" "$@"`,
		binPath, "mount", "--daemon", "--api-url", emu.URL, "--log-file", filepath.Join(t.TempDir(), "log"), dir)
	cmd.Env = append(os.Environ(), "CSSFS_KEY="+emu.Key, "CSSFS_SECRET="+emu.Secret,
		"NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=200000")
	pid := startDaemonised(t, cmd, dir)
	for i := range 2 {
		if err := notify.WaitFor(sdnotify.Watchdog, time.Now().Add(20*time.Second)); err != nil {
			t.Fatalf("%d WATCHDOG=1 from the background mount, want 2: %v", i, err)
		}
	}
	if out, err := osexec.Command(binPath, "unmount", dir).CombinedOutput(); err != nil {
		t.Fatalf("cssfs unmount: %v %s", err, out)
	}
	if !waitPidExit(t, pid, 20*time.Second) {
		t.Errorf("the daemon (pid %d) did not exit after unmount", pid)
	}
}
