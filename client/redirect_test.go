package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
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
