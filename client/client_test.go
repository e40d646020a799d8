package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewValidatesConfig(t *testing.T) {
	ok := []string{"", "https://api.8x8.com", "http://127.0.0.1:8080", "http://127.3.4.5", "http://localhost:1", "http://[::1]:9/"}
	for _, u := range ok {
		if _, err := New(Config{BaseURL: u, Key: "k", Secret: "s"}); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
	for _, u := range []string{"http://api.8x8.com", "http://10.0.0.1", "http://localhost.evil.com"} {
		_, err := New(Config{BaseURL: u, Key: "k", Secret: "s"})
		if !errors.Is(err, ErrInsecureURL) {
			t.Errorf("%q: got %v, want ErrInsecureURL", u, err)
		}
	}
	for _, u := range []string{"ftp://x", "https://", "::bad"} {
		if _, err := New(Config{BaseURL: u, Key: "k", Secret: "s"}); err == nil {
			t.Errorf("%q: want error", u)
		}
	}
	if _, err := New(Config{Key: "k"}); err == nil {
		t.Error("missing secret accepted")
	}
	if _, err := New(Config{Secret: "s"}); err == nil {
		t.Error("missing key accepted")
	}
}

func objectHandler(calls *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, `{"id":"x","storedBytes":3,"objectState":"AVAILABLE"}`)
	}
}

func TestConcurrentCallersShareOneToken(t *testing.T) {
	var calls atomic.Int32
	var sawAuth atomic.Value
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		sawAuth.Store(r.Header.Get("Authorization"))
		objectHandler(&calls)(w, r)
	})
	c, _ := newTestClient(t, f.srv.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := c.Object(context.Background(), "us-east", "x"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := f.tokenCalls.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	if a, _ := sawAuth.Load().(string); !strings.HasPrefix(a, "Bearer tok-") {
		t.Errorf("Authorization = %q, want Bearer (not BearerToken)", a)
	}
}

func TestRefreshOn401ThenAuthError(t *testing.T) {
	var calls atomic.Int32
	f := newFake(t, objectHandler(&calls))
	c, logs := newTestClient(t, f.srv.URL)
	ctx := context.Background()
	if _, err := c.Object(ctx, "us-east", "x"); err != nil {
		t.Fatal(err)
	}
	f.revokeAll() // the cached token is now rejected: one refresh, then success
	if _, err := c.Object(ctx, "us-east", "x"); err != nil {
		t.Fatal(err)
	}
	if n := f.tokenCalls.Load(); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}

	// A server rejecting every token: exactly one refresh, then ErrAuth.
	f.mu.Lock()
	f.storage = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "rejected %s", r.Header.Get("Authorization"))
	}
	f.mu.Unlock()
	_, err := c.Object(ctx, "us-east", "x")
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("got %v, want ErrAuth", err)
	}
	if n := f.tokenCalls.Load(); n != 3 {
		t.Errorf("token requests = %d, want 3", n)
	}
	assertNoSecrets(t, err.Error()+logs.String())
}

func TestRefreshAheadOfExpiry(t *testing.T) {
	var calls atomic.Int32
	f := newFake(t, objectHandler(&calls))
	c, _ := newTestClient(t, f.srv.URL)
	ctx := context.Background()
	if _, err := c.Object(ctx, "us-east", "x"); err != nil {
		t.Fatal(err)
	}
	// Pretend the refresh point has passed (instead of waiting for it).
	c.tokens.mu.Lock()
	c.tokens.refreshAt = time.Now().Add(-time.Second)
	c.tokens.mu.Unlock()
	if _, err := c.Object(ctx, "us-east", "x"); err != nil {
		t.Fatal(err)
	}
	if n := f.tokenCalls.Load(); n != 2 {
		t.Errorf("token requests = %d, want 2 (refresh ahead of expiry)", n)
	}
}

func TestBadCredentials(t *testing.T) {
	f := newFake(t, objectHandler(new(atomic.Int32)))
	logs := &syncBuffer{}
	c, err := New(Config{BaseURL: f.srv.URL, Key: testKey, Secret: "wrong-" + testSecret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Object(context.Background(), "us-east", "x")
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "the API key or secret is wrong") {
		t.Fatalf("got %v, want ErrAuth mentioning key/secret", err)
	}
	if n := f.tokenCalls.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1 (no retry of rejected credentials)", n)
	}
	assertNoSecrets(t, err.Error()+logs.String())
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name     string
		failures int
		fail     func(w http.ResponseWriter)
		wantErr  error // nil: success expected after failures
		status   int
	}{
		{"429 then ok", 2, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}, nil, 0},
		{"503 then ok", 3, func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, nil, 0},
		{"garbage then ok", 2, func(w http.ResponseWriter) { writeJSON(w, `{"id": "x", garbage`) }, nil, 0},
		{"reset then ok", 2, hijackClose, nil, 0},
		{"truncated then ok", 2, func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			writeJSON(w, `{"id":"x"}`)
		}, nil, 0},
		// Throttling uses up time, not attempts (MaxAttempts is 4 here).
		{"429 beyond MaxAttempts then ok", 12, func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) }, nil, 0},
		{"502 exhausted", 99, func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, nil, 502},
		{"garbage exhausted", 99, func(w http.ResponseWriter) { writeJSON(w, `<html>`) }, ErrBadResponse, 200},
		{"404 final", 99, func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }, ErrNotFound, 404},
		{"403 final", 99, func(w http.ResponseWriter) { w.WriteHeader(http.StatusForbidden) }, ErrForbidden, 403},
		{"400 final", 99, func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadRequest) }, nil, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if int(calls.Add(1)) <= tc.failures {
					tc.fail(w)
					return
				}
				writeJSON(w, `{"id":"x","storedBytes":3}`)
			})
			c, logs := newTestClient(t, f.srv.URL)
			o, err := c.Object(context.Background(), "us-east", "x")
			if tc.status == 0 {
				if err != nil || o.ID != "x" {
					t.Fatalf("got %+v, %v", o, err)
				}
				if n := int(calls.Load()); n != tc.failures+1 {
					t.Errorf("calls = %d, want %d", n, tc.failures+1)
				}
				// net/http itself silently retries some GETs on a reset reused connection.
				if got := strings.Count(logs.String(), "css retry"); got < 1 || got > tc.failures {
					t.Errorf("retry log lines = %d, want 1..%d", got, tc.failures)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != tc.status || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("got %v, want status %d / %v", err, tc.status, tc.wantErr)
			}
			final := tc.status == 404 || tc.status == 403 || tc.status == 400
			if want := map[bool]int32{true: 1, false: 4}[final]; calls.Load() != want {
				t.Errorf("calls = %d, want %d", calls.Load(), want)
			}
		})
	}
}

// hijackClose drops the connection without answering (a reset).
func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRetryAfterBeyondBudgetGivesUp(t *testing.T) {
	var calls atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, _ := newTestClient(t, f.srv.URL)
	start := time.Now()
	_, err := c.Object(context.Background(), "us-east", "x")
	if !errors.Is(err, ErrThrottled) || calls.Load() != 1 {
		t.Fatalf("got %v after %d calls, want ErrThrottled after 1", err, calls.Load())
	}
	if time.Since(start) > 5*time.Second {
		t.Error("waited instead of giving up")
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	var calls atomic.Int32
	var first time.Time
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if d := time.Since(first); d < 900*time.Millisecond {
			t.Errorf("retried after %v, Retry-After said 1s", d)
		}
		writeJSON(w, `{"id":"x"}`)
	})
	c, _ := newTestClient(t, f.srv.URL)
	c.retry.MaxDelay = 2 * time.Second
	if _, err := c.Object(context.Background(), "us-east", "x"); err != nil {
		t.Fatal(err)
	}
}

func TestCancellationIsPrompt(t *testing.T) {
	arrived := make(chan struct{}, 1)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	c, _ := newTestClient(t, f.srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	start := time.Now()
	_, err := c.Object(ctx, "us-east", "x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("cancellation was not prompt")
	}

	// Cancellation during backoff.
	f.mu.Lock()
	f.storage = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		arrived <- struct{}{}
	}
	f.mu.Unlock()
	c.retry.MaxDelay = time.Minute
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	start = time.Now()
	if _, err := c.Object(ctx, "us-east", "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if time.Since(start) > 4*time.Second {
		t.Error("backoff ignored cancellation")
	}
}

func TestStalledBodyIsRetried(t *testing.T) {
	var calls atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Length", "50")
			w.Write([]byte(`{"id":`))
			http.NewResponseController(w).Flush()
			<-r.Context().Done() // stall until the client gives up
			return
		}
		writeJSON(w, `{"id":"x"}`)
	})
	c, _ := newTestClient(t, f.srv.URL)
	c.idleTimeout = 100 * time.Millisecond
	o, err := c.Object(context.Background(), "us-east", "x")
	if err != nil || o.ID != "x" || calls.Load() != 2 {
		t.Fatalf("got %+v, %v after %d calls", o, err, calls.Load())
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	// A hostile server echoing credentials back in every error body.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "auth=%s secret=%s", r.Header.Get("Authorization"), testSecret)
	})
	c, logs := newTestClient(t, f.srv.URL)
	_, err := c.Object(context.Background(), "us-east", "x")
	if err == nil {
		t.Fatal("want error")
	}
	text := err.Error() + logs.String()
	f.mu.Lock()
	for tok := range f.valid {
		if strings.Contains(text, tok) {
			t.Errorf("token leaked: %s", text)
		}
	}
	f.mu.Unlock()
	assertNoSecrets(t, text)
	if !strings.Contains(logs.String(), "css retry") {
		t.Errorf("no retry logged: %s", logs)
	}
}

func assertNoSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{testSecret, "tok-", "Basic dGVzdC"} {
		if strings.Contains(text, s) {
			t.Errorf("secret material %q leaked in: %s", s, text)
		}
	}
}

// throttleCounter is an Observer that counts throttling answers.
type throttleCounter struct {
	noObserver
	n atomic.Int32
}

func (o *throttleCounter) Throttled(string) { o.n.Add(1) }

// Apigee answers a quota or spike-arrest violation with HTTP 500 and a
// fault body (reference §12.3): that is throttling, not a server failure.
func TestApigeeQuotaIsThrottling(t *testing.T) {
	const quotaFault = `{"fault":{"faultstring":"Rate limit quota violation. Quota limit  exceeded. Identifier : _default","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}`
	var calls atomic.Int32
	throttledFor := int32(3)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= throttledFor {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, quotaFault)
			return
		}
		writeJSON(w, `{"id":"x","storedBytes":3}`)
	})
	obs := &throttleCounter{}
	c, err := New(Config{BaseURL: f.srv.URL, Key: testKey, Secret: testSecret, Observer: obs,
		Retry: RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Second, ThrottleDelay: 20 * time.Millisecond, MaxElapsed: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.Object(context.Background(), "us-east", "x"); err != nil {
		t.Fatalf("after 3 quota answers: %v (more than MaxAttempts, but throttling is not failure)", err)
	}
	// Waits of at least 10, 20 and 40 ms (half of each doubling step): far
	// longer than the 1 ms base a plain 500 would wait.
	if took := time.Since(start); took < 70*time.Millisecond {
		t.Errorf("three throttled retries took %v, want >= 70ms", took)
	}
	if n := obs.n.Load(); n != 3 {
		t.Errorf("throttled answers counted: %d, want 3", n)
	}

	// Throttled for longer than MaxElapsed: a typed error that says why.
	calls.Store(0)
	throttledFor = 1 << 30
	c, _ = New(Config{BaseURL: f.srv.URL, Key: testKey, Secret: testSecret,
		Retry: RetryPolicy{ThrottleDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond, MaxElapsed: 300 * time.Millisecond}})
	_, err = c.Object(context.Background(), "us-east", "x")
	if !errors.Is(err, ErrThrottled) || !strings.Contains(err.Error(), "call quota is used up") {
		t.Fatalf("got %v, want ErrThrottled explaining the quota", err)
	}
}

// Error bodies of the gateway, the token endpoint and the object store are
// read into plain words; unknown shapes keep a scrubbed excerpt.
func TestErrorBodiesExplained(t *testing.T) {
	cases := []struct {
		status       int
		body, wantIn string
		want         error
	}{
		{401, `{"fault":{"faultstring":"Invalid API call as no apiproduct match found","detail":{"errorcode":"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"}}}`,
			"the API key lacks the storage product", ErrAuth},
		{401, `{"fault":{"faultstring":"Access Token expired","detail":{"errorcode":"keymanagement.service.access_token_expired"}}}`,
			"the access token expired", ErrAuth},
		{500, `{"fault":{"faultstring":"Spike arrest violation","detail":{"errorcode":"policies.ratelimit.SpikeArrestViolation"}}}`,
			"spike arrest", ErrThrottled},
		{404, `{"timestamp":"2024","status":404,"error":"Not Found","message":"object x not found","path":"/x"}`,
			"object x not found", ErrNotFound},
		{400, `<html>gateway says no</html>`, `body: "<html>gateway says no</html>"`, nil},
	}
	for _, tc := range cases {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			fmt.Fprint(w, tc.body)
		})
		c, err := New(Config{BaseURL: f.srv.URL, Key: testKey, Secret: testSecret,
			Retry: RetryPolicy{MaxAttempts: 1, MaxElapsed: 50 * time.Millisecond, ThrottleDelay: 100 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Object(context.Background(), "us-east", "x")
		if err == nil || !strings.Contains(err.Error(), tc.wantIn) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("HTTP %d %s: got %v, want %v saying %q", tc.status, tc.body, err, tc.want, tc.wantIn)
		}
	}
}
