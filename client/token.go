package client

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

const (
	// maxRefreshMargin: refresh this long before expiry (8x8 advises ~60 s)...
	maxRefreshMargin = 60 * time.Second
	// ...or a quarter of the lifetime for short-lived tokens.
	refreshMarginDivisor = 4
	// tokenFetchTimeout bounds one token request; it runs detached from the
	// first caller's context because other callers share its result.
	tokenFetchTimeout = 60 * time.Second
)

// tokenSource caches the client-credentials token, refreshes it ahead of
// expiry, lets concurrent callers share one token request, and can be told a
// token was rejected (401) so the next caller fetches a new one.
//
// x/oauth2 parses the string-typed expires_in 8x8 sends; its expiry is
// computed from the local clock (issued_at is ignored, which also sidesteps
// clock skew). token_type "BearerToken" is ignored: callers always send
// "Authorization: Bearer <token>". Note that x/oauth2 form-encodes key and
// secret inside the Basic header (RFC 6749 §2.3.1); for the alphanumeric
// credentials Apigee issues that is the same as curl's raw -u key:secret.
type tokenSource struct {
	cfg   clientcredentials.Config
	http  *http.Client
	scrub *scrubber
	obs   Observer // may be nil
	group singleflight.Group

	mu        sync.Mutex
	tok       *oauth2.Token
	refreshAt time.Time
}

func newTokenSource(tokenURL, key, secret string, hc *http.Client, sc *scrubber) *tokenSource {
	return &tokenSource{
		cfg: clientcredentials.Config{
			ClientID:     key,
			ClientSecret: secret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader,
		},
		http:  hc,
		scrub: sc,
	}
}

// token returns a usable access token, fetching one if needed.
func (s *tokenSource) token(ctx context.Context) (string, error) {
	if t, ok := s.cached(); ok {
		return t, nil
	}
	ch := s.group.DoChan("token", func() (any, error) {
		// Re-check: another fetch may have finished since cached() above.
		if t, ok := s.cached(); ok {
			return t, nil
		}
		return s.fetch(context.WithoutCancel(ctx))
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// cached returns the current token if it is not due for refresh.
func (s *tokenSource) cached() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && time.Now().Before(s.refreshAt) {
		return s.tok.AccessToken, true
	}
	return "", false
}

// invalidate forgets tok if it is still the current token (so 50 callers
// hitting 401 with the same token cause one refresh, not 50).
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.AccessToken == tok {
		s.tok = nil
	}
}

func (s *tokenSource) fetch(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.http)
	tok, err := s.cfg.Token(ctx)
	if s.obs != nil {
		s.obs.TokenFetched(err == nil)
	}
	if err != nil {
		// A failed refresh while the old token is still valid keeps the old one.
		s.mu.Lock()
		old := s.tok
		s.mu.Unlock()
		if old != nil && (old.Expiry.IsZero() || time.Now().Before(old.Expiry)) {
			return old.AccessToken, nil
		}
		return "", s.classify(err)
	}
	s.scrub.addToken(tok.AccessToken)
	now := time.Now()
	s.mu.Lock()
	s.tok = tok
	s.refreshAt = refreshTime(now, tok.Expiry)
	s.mu.Unlock()
	return tok.AccessToken, nil
}

// refreshTime is when a token expiring at expiry should be replaced.
func refreshTime(now, expiry time.Time) time.Time {
	if expiry.IsZero() {
		// No lifetime given: keep it until a 401 says otherwise.
		return now.Add(100 * 365 * 24 * time.Hour)
	}
	margin := min(expiry.Sub(now)/refreshMarginDivisor, maxRefreshMargin)
	return expiry.Add(-margin)
}

// classify turns a token-request failure into a scrubbed, mapped error.
func (s *tokenSource) classify(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		status := re.Response.StatusCode
		ae := &APIError{Op: "token", Status: status}
		said := describe(ae, s.scrub, re.Body, true)
		switch {
		case status == http.StatusTooManyRequests || said.throttled():
			if s.obs != nil {
				s.obs.Throttled("token")
			}
			return throttledBy(ae, re.Response.Header)
		case status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden:
			ae.Err = ErrAuth
			if ae.Hint() == "" {
				ae.detail = "token request rejected: check the key and secret"
			}
			return ae
		case status >= 500 || status == http.StatusRequestTimeout:
			return &retryable{err: ae}
		case status >= 200 && status < 300:
			// 200 with an error field in the body.
			ae.Err = ErrAuth
			ae.detail = "token endpoint reported an error: check key/secret"
			return ae
		default:
			return ae
		}
	}
	// Transport failures and unparseable bodies: worth another attempt.
	return &retryable{err: &APIError{Op: "token", Err: ErrBadResponse, detail: s.scrub.scrub(err.Error())}}
}
