package client

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds retries of transient failures (429, 5xx, resets,
// truncated or malformed bodies). Zero fields take the defaults.
type RetryPolicy struct {
	MaxAttempts int           // default 8
	MaxElapsed  time.Duration // default DefaultTimeout
	BaseDelay   time.Duration // default 200ms
	MaxDelay    time.Duration // default 15s
	// ThrottleDelay is the first wait after the gateway throttled a call
	// without a Retry-After (Apigee's quota answers carry none); it doubles
	// up to MaxDelay. Default 1s: a quota is not over in milliseconds.
	ThrottleDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 8
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = DefaultTimeout
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 15 * time.Second
	}
	if p.ThrottleDelay <= 0 {
		p.ThrottleDelay = time.Second
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	return p
}

// backoff is exponential backoff with full jitter: a random delay in
// [0, min(MaxDelay, BaseDelay*2^(attempt-1))].
func (p RetryPolicy) backoff(attempt int) time.Duration {
	ceiling := p.MaxDelay
	if attempt < 31 {
		if d := p.BaseDelay << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling + 1)
}

// throttleBackoff is the wait before retry n of a throttled call: doubling
// from ThrottleDelay to MaxDelay, with "equal jitter" (half fixed, half
// random) so that it is never short and throttled callers spread out.
func (p RetryPolicy) throttleBackoff(n int) time.Duration {
	d := p.MaxDelay
	if n < 31 {
		if e := p.ThrottleDelay << (n - 1); e > 0 && e < d {
			d = e
		}
	}
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter understands delta-seconds and HTTP-dates.
func parseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
