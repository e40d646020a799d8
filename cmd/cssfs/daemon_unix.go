//go:build !windows

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cssfs/cssfs/internal/logout"
	"github.com/cssfs/cssfs/internal/mounts"
)

// daemonChildEnv marks the background process of "cssfs mount --daemon".
const daemonChildEnv = "CSSFS_DAEMON_CHILD"

// runDaemon starts "cssfs mount" again in the background, in a session of
// its own, and returns once the mount is ready (exit 0) or has failed
// (its errors are shown). This is what /etc/fstab and systemd's
// Type=forking expect of a mount program.
func runDaemon(args []string, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--daemon: %w", err)
	}
	child := exec.Command(self, append([]string{"mount"}, withoutFlag(args, "daemon")...)...)
	child.Env = append(os.Environ(), daemonChildEnv+"=1")
	// Under systemd (Type=forking, WatchdogSec=), the watchdog names this
	// process; the child serves the mount, so it takes the watchdog over.
	if os.Getenv("WATCHDOG_PID") == strconv.Itoa(os.Getpid()) {
		child.Env = append(child.Env, "WATCHDOG_PID=") // the last value wins
	}
	child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	child.Stderr = stderr // until it is ready; then it lets go of it
	if err := child.Start(); err != nil {
		return fmt.Errorf("--daemon: %w", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "mounted at") {
		child.Wait()
		return errors.New("the mount did not come up (see above)")
	}
	fmt.Fprintf(stdout, "%s", strings.Replace(line, "(Ctrl-C or", fmt.Sprintf("(pid %d; `cssfs unmount` or", child.Process.Pid), 1))
	return nil
}

// detach lets go of the terminal or pipe the daemon was started from.
// Its log goes on to --log-file or, without one, to the system log (the
// journal reads /dev/log too): a mount in the background never logs
// nowhere. Standard output and error (a panic's trace) go to the log file
// or /dev/null.
func detach(sess *session) error {
	target := os.DevNull
	if sess.logFile != nil {
		target = sess.logFile.Path()
	} else {
		w, err := logout.Syslog("cssfs", os.Getenv(logout.SocketEnv))
		if err != nil {
			// Said while the terminal still listens; detach all the same,
			// or whoever started the mount waits for our output forever.
			sess.log.Warn("no --log-file and no system log: the background mount's log is lost; use --log-file", "err", err)
		} else {
			sess.closers = append(sess.closers, func() { w.Close() })
			sess.logTo.Set(w)
		}
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("--daemon: %w", err)
	}
	defer f.Close()
	for _, fd := range []int{1, 2} {
		if err := unix.Dup2(int(f.Fd()), fd); err != nil {
			return fmt.Errorf("--daemon: %w", err)
		}
	}
	return nil
}

// runUnmount unmounts a cssfs mount; -z detaches a busy one lazily.
func runUnmount(args []string, stdout, stderr io.Writer) error {
	var lazy bool
	f := newUnmountFlags(stderr, &lazy)
	if err := parseFlags(f, args, stdout); err != nil {
		return err
	}
	dirs := f.Args()
	if len(dirs) != 1 {
		return usageError{"unmount needs exactly one MOUNTPOINT"}
	}
	dir, err := filepath.Abs(dirs[0])
	if err != nil {
		return err
	}
	// Only Linux has /proc/self/mountinfo to check the type by.
	if fstype, _ := mounts.TypeAt(dir); fstype != mounts.CSSFS && runtime.GOOS == "linux" {
		return fmt.Errorf("%s is not a cssfs mount (type %q)", dir, fstype)
	}
	err = mounts.Unmount(dir, lazy)
	if errors.Is(err, syscall.EBUSY) {
		return fmt.Errorf("%s is busy (files are open on it); close them or use cssfs unmount -z", dir)
	}
	return err
}
