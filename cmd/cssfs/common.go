package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/clidoc"
	"github.com/cssfs/cssfs/internal/gcpace"
	"github.com/cssfs/cssfs/internal/logout"
	"github.com/cssfs/cssfs/metrics"
	"github.com/cssfs/cssfs/naming"
	"github.com/cssfs/cssfs/tree"
)

// serviceFlags choose the service, the credentials and the view of the
// tenant; mount, ls, cat and get share them.
type serviceFlags struct {
	apiURL, key, secret, credsFile string
	regions                        []string
	layout, logLevel, logFormat    string
	logFile                        string
	showArchived, sidecars, demo   bool
	cacheSize, blockSize           byteSize
	opTimeout                      time.Duration
	nameFormats                    []string
	timezone                       string
	names                          *naming.Scheme // from nameFormats and timezone, by check
	maxRPS                         float64

	metrics *metrics.Metrics // set by mount before open, when --metrics-addr asks
}

func (s *serviceFlags) register(f *pflag.FlagSet) {
	s.cacheSize, s.blockSize = cache.DefaultMaxBytes, cache.DefaultBlockSize
	f.StringVar(&s.apiURL, "api-url", envOr("CSSFS_API_URL", client.DefaultBaseURL), "API base URL (env CSSFS_API_URL)")
	f.StringVar(&s.key, "key", os.Getenv("CSSFS_KEY"), "API key (env CSSFS_KEY)")
	f.StringVar(&s.secret, "secret", "", "API secret (env CSSFS_SECRET; on the command line it is visible to other users)")
	f.StringVar(&s.credsFile, "credentials-file", os.Getenv("CSSFS_CREDENTIALS_FILE"), "file with key and secret lines, mode 0600 (env CSSFS_CREDENTIALS_FILE)")
	f.StringArrayVar(&s.regions, "region", nil, "region to show (repeatable; default: every region of the account)")
	f.StringVar(&s.layout, "layout", tree.DefaultLayout, "directory layout: type/date, date, flat, or levels among type, year, month, day, direction, user")
	f.StringArrayVar(&s.nameFormats, "name-format", nil, "file names: raw, TEMPLATE or TYPE=TEMPLATE (repeatable; fields {id} {objectName} {type} {ext} {created:LAYOUT} {tag:KEY} {tag:KEY:ms} {tag:KEY:ms:LAYOUT})")
	f.StringVar(&s.timezone, "timezone", "UTC", "time zone of the times in file names (e.g. Europe/London, Local)")
	f.BoolVar(&s.showArchived, "show-archived", false, "list ARCHIVED objects too (mode 0000); restore one with: setfattr -n user.css.restore -v DAYS FILE")
	f.BoolVar(&s.sidecars, "sidecars", false, "show NAME.meta.json beside each object, holding its metadata")
	f.Var(&s.cacheSize, "cache-size", "memory for cached content")
	f.Var(&s.blockSize, "block-size", "size of one ranged read from the service")
	f.Float64Var(&s.maxRPS, "max-rps", 0, "at most this many API calls a second (0: no limit; calls slow down anyway while the gateway refuses them)")
	f.DurationVar(&s.opTimeout, "op-timeout", client.DefaultTimeout, "deadline of one operation, retries included")
	f.StringVar(&s.logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&s.logFormat, "log-format", "text", "text or json")
	f.StringVar(&s.logFile, "log-file", "", "append the log to this file (created 0600) instead of standard error")
	f.BoolVar(&s.demo, "demo", false, "use a built-in emulated sample tenant (no credentials needed)")
	clidoc.MarkFile(f, "credentials-file")
	clidoc.MarkFile(f, "log-file")
	clidoc.MarkChoices(f, "layout", tree.DefaultLayout, "date", "flat")
	clidoc.MarkChoices(f, "log-level", "debug", "info", "warn", "error")
	clidoc.MarkChoices(f, "log-format", "text", "json")
	// The manual says where these defaults come from, not what they were
	// where it was made.
	clidoc.SetDefaultText(f, "api-url", "$CSSFS_API_URL, else "+client.DefaultBaseURL)
	clidoc.SetDefaultText(f, "key", "$CSSFS_KEY")
	clidoc.SetDefaultText(f, "credentials-file", "$CSSFS_CREDENTIALS_FILE")
}

// check validates what the flags say before anything starts, so that a
// mistake is a usage error (exit 2) that names it.
func (s *serviceFlags) check() error {
	loc, err := time.LoadLocation(s.timezone)
	if err != nil {
		return usageError{fmt.Sprintf("--timezone %q: not a time zone (use an IANA name such as Europe/London, UTC or Local)", s.timezone)}
	}
	if s.names, err = naming.NewScheme(s.nameFormats, loc); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// session is what the flags opened: a logger, the API client and the block
// cache, and the demo emulator when asked for.
type session struct {
	log     *slog.Logger
	api     *client.Client
	blocks  *cache.Blocks
	logFile *logout.File   // --log-file, reopened on SIGHUP
	logTo   *logout.Switch // where the logger writes: stderr, the log file or the system log
	closers []func()
}

func (s *session) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// open reads the credentials and starts the client (and the demo emulator).
func (s *serviceFlags) open(f *pflag.FlagSet, stderr io.Writer) (*session, error) {
	sess := &session{}
	sess.logTo = logout.NewSwitch(stderr)
	if s.logFile != "" {
		lf, err := logout.OpenFile(s.logFile)
		if err != nil {
			return nil, fmt.Errorf("--log-file: %w", err)
		}
		sess.closers = append(sess.closers, func() { lf.Close() })
		sess.logFile = lf
		sess.logTo.Set(lf)
	}
	log, err := newLogger(s.logLevel, s.logFormat, sess.logTo)
	if err != nil {
		sess.close()
		return nil, err
	}
	sess.log = log
	if f.Changed("secret") {
		log.Warn("--secret on the command line is visible to other users in ps; prefer CSSFS_SECRET or --credentials-file")
	} else {
		s.secret = os.Getenv("CSSFS_SECRET")
	}
	if s.demo {
		emu, err := csstest.New(csstest.Options{Objects: 300})
		if err != nil {
			return nil, fmt.Errorf("starting the demo emulator: %w", err)
		}
		sess.closers = append(sess.closers, func() { emu.Close() })
		s.apiURL, s.key, s.secret = emu.URL, emu.Key, emu.Secret
	} else if s.credsFile != "" {
		if s.key, s.secret, err = readCredentials(s.credsFile, s.key, s.secret); err != nil {
			sess.close()
			return nil, err
		}
	}
	limitMemory(int64(s.cacheSize), log)
	// --op-timeout bounds every layer: the retries of one request, one
	// block fetch, one listing and one FUSE call.
	ccfg := client.Config{BaseURL: s.apiURL, Key: s.key, Secret: s.secret, Logger: log, Retry: client.RetryPolicy{MaxElapsed: s.opTimeout}, MaxRPS: s.maxRPS}
	bcfg := cache.BlockConfig{BlockSize: int64(s.blockSize), MaxBytes: int64(s.cacheSize), FetchTimeout: s.opTimeout}
	if s.metrics != nil {
		ccfg.Observer, bcfg.OnWindow = s.metrics, s.metrics.ReadaheadWindow
	}
	if sess.api, err = client.New(ccfg); err != nil {
		sess.close()
		return nil, err
	}
	if sess.blocks, err = cache.NewBlocks(sess.api, bcfg); err != nil {
		sess.close()
		return nil, err
	}
	if s.metrics != nil {
		s.metrics.WatchCache(sess.blocks)
	}
	sess.closers = append(sess.closers, sess.blocks.Close)
	return sess, nil
}

// treeConfig is the part of the tree's configuration these flags set.
func (s *serviceFlags) treeConfig(log *slog.Logger) tree.Config {
	return tree.Config{Layout: s.layout, Regions: s.regions, OpTimeout: s.opTimeout,
		ShowArchived: s.showArchived, Sidecars: s.sidecars, Names: s.names, Logger: log}
}

// readCredentials reads "key" and "secret" lines (key=VALUE, key: VALUE,
// or a shell's export CSSFS_KEY="VALUE") from a file that only its owner
// may read.
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
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			name, value, ok = strings.Cut(line, ":")
		}
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "key", "cssfs_key":
			key = unquote(value)
		case "secret", "cssfs_secret":
			secret = unquote(value)
		}
	}
	if key == "" || secret == "" {
		return "", "", fmt.Errorf("credentials file %s: needs a key line and a secret line", path)
	}
	return key, secret, nil
}

// unquote trims v and removes one pair of matching quotes around it.
func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

func newLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Sprintf("--log-level %q: want debug, info, warn or error", level)}
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Sprintf("--log-format %q: want text or json", format)}
}

// limitMemory tells the Go runtime how much memory cssfs should live in:
// the block cache, the prefetch budget (a quarter of it) and headroom.
// Without it the collector lets garbage grow to the size of the live heap,
// which for a full cache doubles the process's memory. GOMEMLIMIT wins.
// Below the limit, garbage may grow to a quarter of the live heap (not
// all of it): cached blocks hold no pointers, so collecting often is
// cheap, and a walk's listings then cost their size, not twice. A small
// heap may still gather gcFloor of garbage, so that decoding a listing is
// not mostly collecting (internal/gcpace). GOGC wins.
func limitMemory(cacheSize int64, log *slog.Logger) {
	if os.Getenv("GOGC") == "" {
		gcpace.Start(gcPercent, gcFloor)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := cacheSize + cacheSize/4 + 64<<20
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit set", "bytes", limit)
}

// gcPercent is cssfs's GOGC on a large heap; gcFloor is the garbage a
// small one may gather between collections.
const (
	gcPercent = 25
	gcFloor   = 16 << 20
)

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
