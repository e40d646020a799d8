// Package csstest is an emulator of the 8x8 Cloud Storage Service API, like
// net/http/httptest: New starts a real HTTP server speaking the API as
// /work/shared/reference/css-api.md describes it, over a synthetic,
// deterministic tenant (or a local folder), with injectable faults.
//
// Choices where the reference says [?]:
//   - object calls on a valid region that is not the account's answer 404;
//     /regions answers from any of the five regions;
//   - /content of an ARCHIVED object answers 403 (message mentions restore),
//     of other non-AVAILABLE objects 404;
//   - search default sort is createdTime ASC, ties broken by id; `total` is
//     the number of matching records; limit > 100 per Options.LimitAbove100;
//   - the filter aliases name, size and objectId stand for objectName,
//     storedBytes and id; a tag selector an object lacks matches only != and =out=;
//   - DELETE /bulk makes objects REVOKED and answers 204 (404 if no id was found);
//   - restoring a non-ARCHIVED object answers 400; a restored object returns
//     to ARCHIVED after expirationDays.
package csstest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Server is a running emulator.
type Server struct {
	URL, Key, Secret string

	opts    Options
	tenant  *tenant
	regions map[string]*region
	ln      net.Listener
	srv     *http.Server

	faultsMu sync.RWMutex
	faults   Faults

	counters     map[string]*atomic.Int64
	contentBytes atomic.Int64

	tokensMu sync.Mutex
	tokens   map[string]int64 // token -> expiry (unix nanoseconds)

	sumMu     sync.Mutex
	sums      map[string]string
	sumFlight singleflight.Group

	presignKey []byte
	bulk       *bulkJobs
	cache      *searchCache
	idCounter  atomic.Uint64
}

// endpointNames are the counter names, one per API operation.
var endpointNames = []string{"token", "regions", "search", "object", "metadata", "content", "restore",
	"buckets", "bucket", "bulk-start", "bulk-status", "bulk-download", "bulk-cancel", "bulk-clear", "delete", "presigned"}

// New builds the tenant and starts listening; Close stops it.
func New(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("csstest options: %w", err)
	}
	s := &Server{
		opts:       o,
		tenant:     newTenant(o.Seed),
		regions:    map[string]*region{},
		faults:     o.Faults,
		counters:   map[string]*atomic.Int64{},
		tokens:     map[string]int64{},
		sums:       map[string]string{},
		presignKey: []byte(randomToken(32)),
		bulk:       newBulkJobs(),
		cache:      newSearchCache(32),
	}
	s.Key, s.Secret = o.Key, o.Secret
	if s.Key == "" {
		s.Key = randomToken(32)
	}
	if s.Secret == "" {
		s.Secret = randomToken(16)
	}
	for _, n := range endpointNames {
		s.counters[n] = new(atomic.Int64)
	}
	if err := s.populate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("csstest listen %s: %w", o.Addr, err)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: errorLog(o.Logger)}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && o.Logger != nil {
			o.Logger.Error("csstest serve", "err", err)
		}
	}()
	return s, nil
}

// populate fills every region: Dir files for the first, synthetic objects and hard cases.
func (s *Server) populate() error {
	for i, name := range s.opts.Regions {
		rg := newRegion(name, mix2(s.tenant.key, hashString(name)))
		s.regions[name] = rg
		if i == 0 && s.opts.Dir != "" {
			if err := s.loadDir(rg, s.opts.Dir); err != nil {
				return err
			}
			continue
		}
		if s.opts.Objects > 0 {
			s.tenant.generate(rg, s.opts.Objects, s.opts.From, s.opts.To)
			s.addHardCases(rg)
		}
	}
	return nil
}

// Close stops the server and drops open connections.
func (s *Server) Close() error {
	if err := s.srv.Close(); err != nil {
		return fmt.Errorf("csstest close: %w", err)
	}
	return nil
}

// SetFaults replaces the injected faults (safe while serving).
func (s *Server) SetFaults(f Faults) {
	s.faultsMu.Lock()
	s.faults = f
	s.faultsMu.Unlock()
}

func (s *Server) currentFaults() Faults {
	s.faultsMu.RLock()
	defer s.faultsMu.RUnlock()
	return s.faults
}

// Regions lists the account's regions.
func (s *Server) Regions() []string { return append([]string(nil), s.opts.Regions...) }

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomToken returns n random alphanumerics from crypto/rand.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	for i := range b {
		b[i] = tokenAlphabet[int(b[i])%len(tokenAlphabet)]
	}
	return string(b)
}

// errorLog routes net/http's own messages (e.g. its warning about ';' in
// queries, which every unencoded FIQL filter triggers) to the optional logger.
func errorLog(l *slog.Logger) *log.Logger {
	if l == nil {
		return log.New(io.Discard, "", 0)
	}
	return slog.NewLogLogger(l.Handler(), slog.LevelDebug)
}
