package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
	cssfs "github.com/cssfs/cssfs/fs"
)

// mountFlags are the settings of "cssfs mount".
type mountFlags struct {
	apiURL, key, secret, credsFile string
	regions                        []string
	layout                         string
	cacheSize, blockSize           byteSize
	dirTTL, attrTTL, opTimeout     time.Duration
	allowOther, debugFUSE, demo    bool
	noXattrs                       bool
	uid, gid                       int
	logLevel, cpuProfile, auditLog string
}

func newMountFlags(stderr io.Writer) (*pflag.FlagSet, *mountFlags) {
	m := &mountFlags{cacheSize: 256 << 20, blockSize: 1 << 20}
	f := pflag.NewFlagSet("cssfs mount", pflag.ContinueOnError)
	f.SetOutput(stderr)
	f.SortFlags = false
	f.StringVar(&m.apiURL, "api-url", envOr("CSSFS_API_URL", client.DefaultBaseURL), "API base URL (env CSSFS_API_URL)")
	f.StringVar(&m.key, "key", os.Getenv("CSSFS_KEY"), "API key (env CSSFS_KEY)")
	f.StringVar(&m.secret, "secret", "", "API secret (env CSSFS_SECRET; on the command line it is visible to other users)")
	f.StringVar(&m.credsFile, "credentials-file", os.Getenv("CSSFS_CREDENTIALS_FILE"), "file with key and secret lines, mode 0600 (env CSSFS_CREDENTIALS_FILE)")
	f.StringArrayVar(&m.regions, "region", nil, "region to mount (repeatable; default: every region of the account)")
	f.StringVar(&m.layout, "layout", "type/date", "directory layout: type/date, date or flat")
	f.Var(&m.cacheSize, "cache-size", "memory for cached content")
	f.Var(&m.blockSize, "block-size", "size of one ranged read from the service")
	f.DurationVar(&m.dirTTL, "dir-cache-ttl", 5*time.Minute, "how long a directory listing is reused")
	f.DurationVar(&m.attrTTL, "attr-ttl", time.Minute, "how long the kernel caches names and attributes")
	f.DurationVar(&m.opTimeout, "op-timeout", 2*time.Minute, "deadline of one filesystem operation")
	f.BoolVar(&m.allowOther, "allow-other", false, "let other users read the mount (needs user_allow_other in /etc/fuse.conf unless root)")
	f.BoolVar(&m.noXattrs, "no-xattrs", false, "no user.css.* extended attributes; ls -l then asks nothing per file (about 2 fewer FUSE round trips each)")
	f.IntVar(&m.uid, "uid", os.Getuid(), "owner of files and directories")
	f.IntVar(&m.gid, "gid", os.Getgid(), "group of files and directories")
	f.StringVar(&m.auditLog, "audit-log", "", "append one JSON line per open of an object (time, uid, pid, region, object id, path) to this file, created 0600")
	f.StringVar(&m.logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&m.debugFUSE, "debug-fuse", false, "log every FUSE request")
	f.BoolVar(&m.demo, "demo", false, "mount a built-in emulated sample tenant (no credentials needed)")
	f.StringVar(&m.cpuProfile, "cpu-profile", "", "write a CPU profile to this file until unmount (for performance work)")
	f.MarkHidden("cpu-profile")
	f.Usage = func() {
		fmt.Fprintf(stderr, "Usage: cssfs mount [flags] MOUNTPOINT\n\nExamples:\n"+
			"  CSSFS_KEY=… CSSFS_SECRET=… cssfs mount /mnt/css\n"+
			"  cssfs mount --credentials-file ~/.config/cssfs/creds --region uk --layout date /mnt/css\n"+
			"  cssfs mount --demo /tmp/css\n\nFlags:\n%s", f.FlagUsages())
	}
	return f, m
}

func runMount(args []string, stdout, stderr io.Writer) error {
	flags, m := newMountFlags(stderr)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return usageError{"mount needs exactly one MOUNTPOINT"}
	}
	dir := flags.Arg(0)
	log, err := newLogger(m.logLevel, stderr)
	if err != nil {
		return err
	}
	if flags.Changed("secret") {
		log.Warn("--secret on the command line is visible to other users in ps; prefer CSSFS_SECRET or --credentials-file")
	} else {
		m.secret = os.Getenv("CSSFS_SECRET")
	}

	if m.cpuProfile != "" {
		stop, err := startCPUProfile(m.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if m.demo {
		emu, err := csstest.New(csstest.Options{Objects: 300})
		if err != nil {
			return fmt.Errorf("starting the demo emulator: %w", err)
		}
		defer emu.Close()
		m.apiURL, m.key, m.secret = emu.URL, emu.Key, emu.Secret
	} else if m.credsFile != "" {
		if m.key, m.secret, err = readCredentials(m.credsFile, m.key, m.secret); err != nil {
			return err
		}
	}
	limitMemory(int64(m.cacheSize), log)
	api, err := client.New(client.Config{BaseURL: m.apiURL, Key: m.key, Secret: m.secret, Logger: log})
	if err != nil {
		return err
	}
	blocks, err := cache.NewBlocks(api, cache.BlockConfig{BlockSize: int64(m.blockSize), MaxBytes: int64(m.cacheSize)})
	if err != nil {
		return err
	}
	defer blocks.Close()

	var audit *cssfs.AuditLog
	if m.auditLog != "" {
		if audit, err = cssfs.OpenAuditLog(m.auditLog); err != nil {
			return err
		}
		defer audit.Close()
	}
	cfg := cssfs.Config{
		Layout: m.layout, Regions: m.regions,
		UID: uint32(m.uid), GID: uint32(m.gid),
		EntryTTL: m.attrTTL, AttrTTL: m.attrTTL, DirTTL: m.dirTTL, OpTimeout: m.opTimeout,
		AllowOther: m.allowOther, NoXattrs: m.noXattrs, DebugFUSE: m.debugFUSE, Logger: log,
		FsName: "cssfs:" + hostOf(m.apiURL), Audit: audit,
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.opTimeout)
	root, err := cssfs.NewRoot(ctx, api, blocks, cfg)
	cancel()
	if err != nil {
		return err
	}
	srv, err := cssfs.Mount(dir, root, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "cssfs: mounted at %s (Ctrl-C or `umount %s` to unmount)\n", dir, dir)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			unmount(srv.Unmount, dir, log)
		}
	}()
	srv.Wait()
	return nil
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
		return syscall.Unmount(dir, syscall.MNT_DETACH)
	}
	out, err := exec.Command("fusermount3", "-u", "-z", dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("fusermount3 -u -z: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// readCredentials reads "key" and "secret" lines (key=VALUE or key: VALUE)
// from a file that only its owner may read.
func readCredentials(path, key, secret string) (string, string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("credentials file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", "", fmt.Errorf("credentials file %s has mode %04o; it must be readable by its owner only (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("credentials file: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			name, value, ok = strings.Cut(line, ":")
		}
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "key", "cssfs_key":
			key = strings.TrimSpace(value)
		case "secret", "cssfs_secret":
			secret = strings.TrimSpace(value)
		}
	}
	if key == "" || secret == "" {
		return "", "", fmt.Errorf("credentials file %s: needs a key line and a secret line", path)
	}
	return key, secret, nil
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Sprintf("--log-level %q: want debug, info, warn or error", level)}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// limitMemory tells the Go runtime how much memory cssfs should live in:
// the block cache, the prefetch budget (a quarter of it) and headroom.
// Without it the collector lets garbage grow to the size of the live heap,
// which for a full cache doubles the process's memory. GOMEMLIMIT wins.
func limitMemory(cacheSize int64, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := cacheSize + cacheSize/4 + 64<<20
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit set", "bytes", limit)
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

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func hostOf(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	host, _, _ := strings.Cut(u, "/")
	return host
}
