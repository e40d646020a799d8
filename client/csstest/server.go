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
//
// Other plausible readings can be chosen with Options (and flags of
// `cssfs emulator`):
//   - search pageKey (§6): Paging "offset" (default; next = request + limit),
//     "page" (1-based page number, 0 = page 1, next = k+1) or "opaque" (a
//     signed string token bound to filter, sort and limit; forged ones 400);
//   - `total` (§6): present by default, absent with NoTotal;
//   - /content (§8): bytes by default; ContentRedirect answers 302 to a
//     presigned S3-style URL on a second listener (StoreURL, 127.0.0.2) that
//     refuses Authorization headers, checks signature and expiry (XML
//     errors like S3) and honours Range; Faults.StaleRedirectRate hands out
//     expired URLs; PresignLifetime sets X-Amz-Expires (default 1800 s);
//   - rate limits (§12.3): none by default; QuotaPerMin is an Apigee Quota
//     policy answering 500 policies.ratelimit.QuotaViolation, no Retry-After
//     (Faults.Rate429 injects 429s with Retry-After instead);
//   - API products (§12.2): NoStorageProduct issues tokens without
//     "storage", and storage calls answer 401 "no apiproduct match".
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
	// StoreURL is the base URL of the S3-like object store that
	// ContentRedirect sends /content to ("" when it is off).
	StoreURL string

	opts    Options
	tenant  *tenant
	regions map[string]*region
	ln      net.Listener
	srv     *http.Server
	store   *http.Server // nil unless ContentRedirect

	faultsMu sync.RWMutex
	faults   Faults

	counters     map[string]*atomic.Int64
	contentBytes atomic.Int64
	scanned      atomic.Int64 // records a search has examined (see Scanned)

	tokensMu sync.Mutex
	tokens   map[string]int64 // token -> expiry (unix nanoseconds)

	sumMu     sync.Mutex
	sums      map[string]string
	sumFlight singleflight.Group

	presignKey    []byte
	pageKeySecret []byte
	storeCreds    storeCreds
	quota         *quota
	bulk          *bulkJobs
	cache         *searchCache
	idCounter     atomic.Uint64
}

// endpointNames are the counter names, one per API operation.
var endpointNames = []string{"token", "regions", "search", "object", "metadata", "content", "restore",
	"buckets", "bucket", "bulk-start", "bulk-status", "bulk-download", "bulk-cancel", "bulk-clear", "delete", "presigned",
	"store",     // the ContentRedirect object store (not behind the gateway)
	"throttled", // storage calls refused by the QuotaPerMin policy (also counted under their endpoint)
}

// New builds the tenant and starts listening; Close stops it.
func New(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("csstest options: %w", err)
	}
	s := &Server{
		opts:          o,
		tenant:        newTenant(o.Seed),
		regions:       map[string]*region{},
		faults:        o.Faults,
		counters:      map[string]*atomic.Int64{},
		tokens:        map[string]int64{},
		sums:          map[string]string{},
		presignKey:    []byte(randomToken(32)),
		pageKeySecret: []byte(randomToken(32)),
		storeCreds:    newStoreCreds(),
		quota:         &quota{limit: o.QuotaPerMin, window: o.QuotaWindow, now: o.clock},
		bulk:          newBulkJobs(),
		cache:         newSearchCache(32),
	}
	s.tenant.short = o.ShortRecordings
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
	var storeLn net.Listener
	if o.ContentRedirect {
		// another host than the API's, so that clients drop Authorization on the redirect
		if storeLn, err = net.Listen("tcp", storeAddr); err != nil {
			return nil, fmt.Errorf("csstest ContentRedirect: listen on %s for the object store (needs the loopback address 127.0.0.2): %w", storeAddr, err)
		}
		s.StoreURL = "http://" + storeLn.Addr().String()
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		if storeLn != nil {
			_ = storeLn.Close()
		}
		return nil, fmt.Errorf("csstest listen %s: %w", o.Addr, err)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.srv = s.serve(ln, s.routes())
	if storeLn != nil {
		s.store = s.serve(storeLn, s.wrap("store", false, s.handleStore))
	}
	return s, nil
}

// serve runs h on ln in the background.
func (s *Server) serve(ln net.Listener, h http.Handler) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errorLog(s.opts.Logger)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && s.opts.Logger != nil {
			s.opts.Logger.Error("csstest serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return srv
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
	err := s.srv.Close()
	if s.store != nil {
		err = errors.Join(err, s.store.Close())
	}
	if err != nil {
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
