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
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/cssfs/cssfs/fusefs"
	"github.com/cssfs/cssfs/internal/mounts"
	"github.com/cssfs/cssfs/internal/sdnotify"
	"github.com/cssfs/cssfs/metrics"
	"github.com/cssfs/cssfs/tree"
)

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
	// SIGHUP means reload (logrotate, systemctl reload) once the mount
	// serves; until then it must not kill a mount half started, nor the
	// --daemon parent waiting for it.
	signal.Ignore(syscall.SIGHUP)
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
	// WatchdogSec= in the unit: systemd restarts a mount that stops saying
	// it is alive.
	interval, err := sdnotify.WatchdogInterval()
	if err != nil {
		log.Warn("no watchdog pings to systemd", "err", err)
	}
	stopWatchdog := sdnotify.StartWatchdog(interval, func(err error) {
		log.Warn("could not tell systemd the mount is alive", "err", err)
	})
	var stopping sync.Once
	stop := func() {
		stopping.Do(func() {
			stopWatchdog()
			sdnotify.Notify(sdnotify.Stopping)
		})
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
	if err := mounts.Unmount(dir, true); err != nil {
		log.Error("mount is busy and the lazy unmount failed; close the files open on it, or run: fusermount3 -u -z "+dir, "err", err)
		return
	}
	log.Warn("mount was busy (files are open on it): detached; cssfs exits when they are closed", "dir", dir)
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
