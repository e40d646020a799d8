package client

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testKey    = "test-key"
	testSecret = "s3cr3t-Value-XYZ"
)

// fake is a minimal CSS server for unit tests: a token endpoint issuing
// "tok-N" tokens and a storage handler behind a Bearer check.
type fake struct {
	srv        *httptest.Server
	tokenCalls atomic.Int32
	expiresIn  string // expires_in sent with tokens

	mu      sync.Mutex
	valid   map[string]bool
	storage http.HandlerFunc
}

func newFake(t *testing.T, storage http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{valid: map[string]bool{}, storage: storage, expiresIn: "1799"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/v2/token", f.token)
	mux.HandleFunc("/storage/", f.guard)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	n := f.tokenCalls.Add(1)
	k, s, ok := r.BasicAuth()
	if !ok || k != testKey || s != testSecret || r.FormValue("grant_type") != "client_credentials" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"ErrorCode":"invalid_client","Error":"ClientId is Invalid"}`)
		return
	}
	tok := fmt.Sprintf("tok-%d-abcdefghijklmnop", n)
	f.mu.Lock()
	f.valid[tok] = true
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"BearerToken","expires_in":%q,"issued_at":"%d","status":"approved","scope":""}`,
		tok, f.expiresIn, time.Now().UnixMilli())
}

func (f *fake) guard(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	ok = ok && f.valid[tok]
	h := f.storage
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"fault":{"faultstring":"Invalid Access Token"}}`)
		return
	}
	h(w, r)
}

// revokeAll makes every issued token invalid (as if expired server-side).
func (f *fake) revokeAll() {
	f.mu.Lock()
	f.valid = map[string]bool{}
	f.mu.Unlock()
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestClient returns a client with fast retries and a captured log.
func newTestClient(t *testing.T, base string) (*Client, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	c, err := New(Config{
		BaseURL: base,
		Key:     testKey,
		Secret:  testSecret,
		Retry:   RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxElapsed: 10 * time.Second},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, logs
}

func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}
