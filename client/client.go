// Package client talks to the 8x8 Cloud Storage Service (CSS) API v3: token
// lifecycle, retries, regions, search (FIQL filter + paging), object metadata
// and ranged content. See /work/shared/reference/css-api.md for the contract.
package client

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is the production API host.
const DefaultBaseURL = "https://api.8x8.com"

// defaultIdleTimeout aborts an attempt when no response bytes arrive for this long.
const defaultIdleTimeout = 30 * time.Second

// Config configures a Client.
type Config struct {
	BaseURL    string // default DefaultBaseURL; token URL = BaseURL+"/oauth/v2/token"
	Key        string
	Secret     string
	HTTPClient *http.Client // optional; see defaultHTTPClient
	Retry      RetryPolicy  // zero value = defaults
	Logger     *slog.Logger // optional; one line per retry, never secrets
	Observer   Observer     // optional; hears of every request (metrics)
	// MaxRPS > 0 bounds calls per second (--max-rps). Whatever it is, calls
	// slow down when the gateway refuses most of them (see pacer).
	MaxRPS float64
}

// Observer hears of the client's traffic, for metrics. Its methods must be
// cheap and safe for concurrent use.
type Observer interface {
	Request(endpoint string, status int, elapsed time.Duration) // status 0: no response
	Retry(endpoint string)
	Throttled(endpoint string) // a 429, or Apigee's 500 for a quota or spike-arrest violation
	ContentBytes(n int64)
	TokenFetched(ok bool)
}

// noObserver is the Observer of a client that was given none.
type noObserver struct{}

func (noObserver) Request(string, int, time.Duration) {}
func (noObserver) Retry(string)                       {}
func (noObserver) Throttled(string)                   {}
func (noObserver) ContentBytes(int64)                 {}
func (noObserver) TokenFetched(bool)                  {}

// Client is a CSS API client, safe for concurrent use.
type Client struct {
	base        string // without trailing slash
	http        *http.Client
	retry       RetryPolicy
	log         *slog.Logger
	obs         Observer
	scrub       *scrubber
	tokens      *tokenSource
	rangeIgnore atomic.Bool
	pace        *pacer

	idleTimeout time.Duration // per-attempt no-progress deadline; tests shorten it
}

// New validates cfg and returns a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.Key == "" || cfg.Secret == "" {
		return nil, ErrNoCredentials
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if err := checkBaseURL(base); err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	obs := cfg.Observer
	if obs == nil {
		obs = noObserver{}
	}
	sc := newScrubber(cfg.Key, cfg.Secret)
	c := &Client{
		base:        base,
		http:        hc,
		retry:       cfg.Retry.withDefaults(),
		log:         log,
		obs:         obs,
		scrub:       sc,
		idleTimeout: defaultIdleTimeout,
	}
	ro, _ := obs.(RateObserver)
	c.pace = newPacer(cfg.MaxRPS, c.retry.throttleBackoff, ro)
	c.tokens = newTokenSource(base+"/oauth/v2/token", cfg.Key, cfg.Secret, hc, sc)
	c.tokens.obs = obs
	return c, nil
}

// RangeIgnored reports whether a server has answered a Range request with the
// whole object (200), so callers may prefer fetching whole objects.
func (c *Client) RangeIgnored() bool { return c.rangeIgnore.Load() }

// checkBaseURL refuses anything but https, except plain http to loopback
// (emulators and tests), because the token and secret travel in headers.
func checkBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("css: invalid base URL %q: %w", base, err)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("css: base URL %q has no host", base)
		}
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %q (use https://)", ErrInsecureURL, base)
	default:
		return fmt.Errorf("css: base URL %q must start with https://", base)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// defaultHTTPClient allows HTTP/2 and many idle connections per host, and
// bounds connection set-up and response headers but not whole bodies, which
// can be large; stalled bodies are caught by the idle watchdog instead.
func defaultHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          128,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: tr, CheckRedirect: refuseDowngrade}
}

// refuseDowngrade stops redirects that would leave https for a non-loopback
// plain-http URL (named without its query, which may hold a presigned
// signature). Go itself drops Authorization on a redirect to another host,
// as S3 requires of presigned URLs, and keeps the other headers (Range).
func refuseDowngrade(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("css: stopped after 10 redirects")
	}
	if req.URL.Scheme == "http" && !isLoopback(req.URL.Hostname()) {
		return fmt.Errorf("%w: redirect to %s://%s%s", ErrInsecureURL, req.URL.Scheme, req.URL.Host, req.URL.Path)
	}
	return nil
}

// drainClose reads a little of what is left so the connection can be reused.
func drainClose(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}
