package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecodeToken serves arbitrary token responses: the client must either
// get a usable token or a clear error, never panic, and never show the
// secret in the error.
func FuzzDecodeToken(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"abc","token_type":"BearerToken","expires_in":"1799","issued_at":"1683045181383"}`,
		`{"access_token":"abc","token_type":"BearerToken","expires_in":1799}`,
		`{"access_token":"abc","expires_in":"-5"}`,
		`{"access_token":"","token_type":"BearerToken"}`,
		`{"ErrorCode":"invalid_client","Error":"ClientId is Invalid"}`,
		`{"expires_in":"3599","expires_in":"3599","access_token":"x"}`,
		`not json`, ``, `[]`, `{"access_token":12}`, `{"access_token":"a","expires_in":"9999999999999999999999"}`,
	} {
		f.Add(s, 200)
		f.Add(s, 401)
	}
	f.Fuzz(func(t *testing.T, body string, status int) {
		if status < 200 || status > 599 {
			status = 200
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		}))
		defer srv.Close()
		src := newTokenSource(srv.URL, testKey, testSecret, srv.Client(), &scrubber{})
		tok, err := src.token(context.Background())
		if err == nil && tok == "" {
			t.Fatalf("no error and no token for %q", body)
		}
		if err != nil && strings.Contains(err.Error(), testSecret) {
			t.Fatalf("error shows the secret: %v", err)
		}
	})
}
