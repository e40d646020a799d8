//go:build !windows

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/fusefs"
	"github.com/cssfs/cssfs/internal/sdnotify"
	"github.com/cssfs/cssfs/metrics"
	"github.com/cssfs/cssfs/tree"
)

// mountFlags are the settings of "cssfs mount".
type mountFlags struct {
	serviceFlags
	dirTTL, attrTTL       time.Duration
	allowOther, debugFUSE bool
	allowRoot             bool
	fileMode, dirMode     octalMode
	noXattrs, allowDelete bool
	uid, gid              int
	cpuProfile, auditLog  string
	metricsAddr           string
	daemon                bool
}

func newMountFlags(stderr io.Writer) (*pflag.FlagSet, *mountFlags) {
	m := &mountFlags{}
	f := pflag.NewFlagSet("cssfs mount", pflag.ContinueOnError)
	f.SetOutput(stderr)
	f.SortFlags = false
	m.register(f)
	f.DurationVar(&m.dirTTL, "dir-cache-ttl", tree.DefaultDirTTL, "how long a directory listing is reused")
	f.DurationVar(&m.attrTTL, "attr-ttl", fusefs.DefaultAttrTTL, "how long the kernel caches names and attributes")
	f.BoolVar(&m.allowOther, "allow-other", false, "let other users read the mount (needs user_allow_other in /etc/fuse.conf unless root)")
	f.BoolVar(&m.allowRoot, "allow-root", false, "let root read the mount too (needs user_allow_other in /etc/fuse.conf unless root)")
	m.fileMode, m.dirMode = 0o444, 0o555
	f.Var(&m.fileMode, "file-mode", "permissions of files, in octal (e.g. 0440 with --gid for one group; archived objects stay 0000)")
	f.Var(&m.dirMode, "dir-mode", "permissions of directories, in octal (e.g. 0550)")
	f.BoolVar(&m.noXattrs, "no-xattrs", false, "no user.css.* extended attributes (ls -l no longer needs this: it asks once per mount either way)")
	f.BoolVar(&m.allowDelete, "allow-delete", false, "let rm of a file delete the object (rm -r of a directory is refused)")
	f.IntVar(&m.uid, "uid", os.Getuid(), "owner of files and directories")
	f.IntVar(&m.gid, "gid", os.Getgid(), "group of files and directories")
	f.StringVar(&m.auditLog, "audit-log", "", "append one JSON line per open of an object (time, uid, pid, region, object id, path) to this file, created 0600")
	f.BoolVar(&m.daemon, "daemon", false, "run in the background once the mount is ready (for /etc/fstab and systemd Type=forking)")
	f.StringVar(&m.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://HOST:PORT/metrics")
	f.BoolVar(&m.debugFUSE, "debug-fuse", false, "log every FUSE request")
	// Accepted for people and scripts coming from rclone, s3fs and
	// mountpoint-s3: cssfs already runs in the foreground and is read-only.
	f.BoolP("foreground", "f", false, "no-op: cssfs runs in the foreground unless --daemon")
	f.Bool("read-only", false, "no-op: the mount is always read-only")
	f.StringVar(&m.cpuProfile, "cpu-profile", "", "write a CPU profile to this file until unmount (for performance work)")
	f.MarkHidden("cpu-profile")
	f.Usage = func() {
		fmt.Fprintf(f.Output(), "Usage: cssfs mount [flags] MOUNTPOINT\n\nExamples:\n"+
			"  CSSFS_KEY=… CSSFS_SECRET=… cssfs mount /mnt/css\n"+
			"  cssfs mount --credentials-file ~/.config/cssfs/creds --region uk --layout date /mnt/css\n"+
			"  cssfs mount --demo /tmp/css\n\nFlags:\n%s", f.FlagUsages())
	}
	return f, m
}

func runMount(args []string, stdout, stderr io.Writer) error {
	flags, m := newMountFlags(stderr)
	if err := parseFlags(flags, args, stdout); err != nil {
		return err
	}
	if err := m.check(); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return usageError{"mount needs exactly one MOUNTPOINT"}
	}
	dir := flags.Arg(0)
	child := os.Getenv(daemonChildEnv) == "1"
	if m.daemon && !child {
		return runDaemon(args, stdout, stderr)
	}
	if m.cpuProfile != "" {
		stop, err := startCPUProfile(m.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if m.metricsAddr != "" {
		m.metrics = metrics.New()
	}
	sess, err := m.open(flags, stderr)
	if err != nil {
		return err
	}
	defer sess.close()
	log, api, blocks := sess.log, sess.api, sess.blocks
	if m.metrics != nil {
		stop, err := serveMetrics(m.metricsAddr, m.metrics, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	var audit *fusefs.AuditLog
	if m.auditLog != "" {
		if audit, err = fusefs.OpenAuditLog(m.auditLog); err != nil {
			return err
		}
		defer audit.Close()
	}
	cfg := m.treeConfig(log)
	cfg.DirTTL, cfg.AllowDelete = m.dirTTL, m.allowDelete
	ctx, cancel := context.WithTimeout(context.Background(), m.opTimeout)
	t, err := tree.New(ctx, api, blocks, cfg)
	cancel()
	if err != nil {
		return err
	}
	opts := fusefs.Options{UID: uint32(m.uid), GID: uint32(m.gid), EntryTTL: m.attrTTL, AttrTTL: m.attrTTL,
		AllowOther: m.allowOther, AllowRoot: m.allowRoot, FileMode: os.FileMode(m.fileMode), DirMode: os.FileMode(m.dirMode) | os.ModeDir,
		NoXattrs: m.noXattrs, DebugFUSE: m.debugFUSE,
		FsName: "cssfs:" + hostOf(m.apiURL), Audit: audit, Logger: log}
	if m.metrics != nil {
		opts.Observer = m.metrics
	}
	srv, err := fusefs.Mount(dir, t, opts)
	if err != nil {
		return err
	}
	// Signals are caught from before the ready line, so that a SIGHUP sent
	// as soon as the mount is announced is not fatal; they are handled once
	// the daemon has let go of the terminal, so their log lines go where
	// the rest of the log will.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	refresh := make(chan os.Signal, 1)
	signal.Notify(refresh, syscall.SIGHUP)
	defer signal.Stop(refresh)
	fmt.Fprintf(stdout, "cssfs: mounted at %s (Ctrl-C or `umount %s` to unmount)\n", dir, dir)
	if child {
		if err := detach(sess); err != nil {
			log.Error("could not let go of the terminal", "err", err)
		}
	}
	// systemd (Type=notify) starts what depends on the mount only now.
	if err := sdnotify.Notify(sdnotify.Ready); err != nil {
		log.Warn("could not tell systemd the mount is ready", "err", err)
	}
	var stopping sync.Once
	stop := func() {
		stopping.Do(func() { sdnotify.Notify(sdnotify.Stopping) })
	}
	go func() {
		for range sigs {
			stop()
			unmount(srv.Unmount, dir, log)
		}
	}()
	go func() {
		for range refresh {
			t.ForgetAll()
			reopenLogs(sess, audit, log)
			log.Info("every directory listing dropped (SIGHUP)")
		}
	}()
	srv.Wait()
	stop() // unmounted from outside (umount, fusermount3 -u)
	return nil
}

// reopenLogs opens --log-file and --audit-log again by name, after
// logrotate has renamed them (its postrotate sends SIGHUP).
func reopenLogs(sess *session, audit *fusefs.AuditLog, log *slog.Logger) {
	if sess.logFile != nil {
		if err := sess.logFile.Reopen(); err != nil {
			log.Error("could not reopen the log file (SIGHUP)", "err", err)
		}
	}
	if audit != nil {
		if err := audit.Reopen(); err != nil {
			log.Error("could not reopen the audit log (SIGHUP)", "err", err)
		}
	}
}

// serveMetrics serves /metrics on addr until stop is called.
func serveMetrics(addr string, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	log.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { srv.Close() }, nil
}

// unmount tries a clean unmount; a busy mount (open files) is detached
// lazily so that it goes away as soon as the last file is closed.
func unmount(clean func() error, dir string, log *slog.Logger) {
	err := clean()
	if err == nil {
		return
	}
	if err := lazyUnmount(dir); err != nil {
		log.Error("mount is busy and the lazy unmount failed; close the files open on it, or run: fusermount3 -u -z "+dir, "err", err)
		return
	}
	log.Warn("mount was busy (files are open on it): detached; cssfs exits when they are closed", "dir", dir)
}

// lazyUnmount detaches a busy mount: directly as root, else via fusermount3.
func lazyUnmount(dir string) error {
	if os.Geteuid() == 0 {
		return syscall.Unmount(dir, lazyUnmountFlag)
	}
	out, err := exec.Command("fusermount3", "-u", "-z", dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("fusermount3 -u -z: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
