package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A redirect to another host must not carry the bearer token there.
func TestAuthorizationDoesNotFollowRedirectToAnotherHost(t *testing.T) {
	var leaked atomic.Value
	var hits atomic.Int32
	leaked.Store("")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		leaked.Store(r.Header.Get("Authorization"))
		w.Write([]byte("content"))
	}))
	defer other.Close()
	// Same machine, another host name: "localhost" instead of "127.0.0.1".
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/bytes"
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	})
	c, _ := newTestClient(t, f.srv.URL)
	p := make([]byte, 7)
	c.ReadRange(context.Background(), "us-east", "id", 0, p, nil)
	if hits.Load() == 0 {
		t.Fatal("the redirect was not followed; the test proves nothing")
	}
	if got := leaked.Load().(string); got != "" {
		t.Fatalf("the redirect target received Authorization %q", got[:min(len(got), 10)])
	}
}

// s3Store imitates an object store behind presigned URLs: it refuses a
// request that carries Authorization, honours Range, and answers 403 to the
// first expired of them.
type s3Store struct {
	srv     *httptest.Server
	content []byte
	expired atomic.Int32 // how many of the next requests get 403 (expired)
	reset   atomic.Int32 // how many of the next requests are cut off
	hits    atomic.Int32
	ranges  []string
	mu      sync.Mutex
}

const presignSignature = "f00dfacecafe0123456789abcdef"

func newS3Store(t *testing.T, content []byte) *s3Store {
	s := &s3Store{content: content}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		s.mu.Unlock()
		switch {
		case r.Header.Get("Authorization") != "":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>`)
		case r.URL.Query().Get("X-Amz-Signature") != presignSignature:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>`+r.URL.Query().Get("X-Amz-Signature")+`</SignatureProvided></Error>`)
		case s.expired.Add(-1) >= 0:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>1800</X-Amz-Expires></Error>`)
		case s.reset.Add(-1) >= 0:
			hijackClose(w)
		default:
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(s.content))
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// url is a presigned URL on another host than the API (localhost, not 127.0.0.1).
func (s *s3Store) url(sig string) string {
	return strings.Replace(s.srv.URL, "127.0.0.1", "localhost", 1) +
		"/content/EPS/cust/user/obj?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20260101%2Fus-west-2%2Fs3%2Faws4_request" +
		"&X-Amz-Expires=1800&X-Amz-Security-Token=SECRETSESSIONTOKEN&X-Amz-SignedHeaders=host&X-Amz-Signature=" + sig
}

// /content may answer 302 to a presigned store URL (reference §8): the
// client follows it without Authorization and with its Range, asks /content
// again when the URL has expired, and never shows the URL's secrets.
func TestContentRedirectToPresignedStore(t *testing.T) {
	content := make([]byte, 1<<20)
	for i := range content {
		content[i] = byte(i * 7)
	}
	store := newS3Store(t, content)
	var contentCalls atomic.Int32
	sig := presignSignature
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		contentCalls.Add(1)
		http.Redirect(w, r, store.url(sig), http.StatusFound)
	})
	c, logs := newTestClient(t, f.srv.URL)
	ctx := context.Background()

	p := make([]byte, 1000)
	if _, err := c.ReadRange(ctx, "us-east", "obj", 5000, p, nil); err != nil {
		t.Fatalf("redirected read: %v", err)
	}
	if !bytes.Equal(p, content[5000:6000]) {
		t.Fatal("redirected read returned wrong bytes")
	}
	if store.ranges[0] != "bytes=5000-5999" {
		t.Errorf("the store saw Range %q, want bytes=5000-5999", store.ranges[0])
	}

	// An expired URL (403 from the store) is asked for again.
	store.expired.Store(1)
	contentCalls.Store(0)
	if _, err := c.ReadRange(ctx, "us-east", "obj", 0, p, nil); err != nil || !bytes.Equal(p, content[:1000]) {
		t.Fatalf("read after an expired URL: %v", err)
	}
	if n := contentCalls.Load(); n != 2 {
		t.Errorf("/content asked %d times, want 2 (once more for a fresh URL)", n)
	}

	// A connection cut on the store's leg is retried too.
	store.reset.Store(1)
	if _, err := c.ReadRange(ctx, "us-east", "obj", 0, p, nil); err != nil || !bytes.Equal(p, content[:1000]) {
		t.Fatalf("read after a reset at the store: %v", err)
	}

	// A URL the store never accepts fails after the retries, saying so, and
	// neither the error nor the log shows the URL's secrets.
	sig = "0badbadbadbad"
	_, err := c.ReadRange(ctx, "us-east", "obj", 0, p, nil)
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "presigned URL") {
		t.Fatalf("never-accepted URL: %v", err)
	}
	text := err.Error() + logs.String()
	for _, secret := range []string{presignSignature, "0badbadbadbad", "SECRETSESSIONTOKEN", "ASIAEXAMPLE"} {
		if strings.Contains(text, secret) {
			t.Errorf("presigned URL secret %q shown in errors or logs:\n%s", secret, text)
		}
	}
}

func TestScrubPresignedURL(t *testing.T) {
	s := newScrubber("k", "secret-value")
	in := `Get "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2Fx&X-Amz-Security-Token=IQoJb3&X-Amz-Signature=abc123&Signature=old&AWSAccessKeyId=AKIA2": EOF`
	out := s.scrub(in)
	for _, secret := range []string{"AKIA%2Fx", "IQoJb3", "abc123", "=old", "AKIA2"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q left in %s", secret, out)
		}
	}
	if !strings.Contains(out, "X-Amz-Signature=[REDACTED]") {
		t.Errorf("scrubbed text lost its shape: %s", out)
	}
}
