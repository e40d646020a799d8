package csstest

import (
	"net/http"
	"sync"
	"time"
)

// quota is an Apigee Quota policy with the _default identifier: one counter
// for every storage call, in fixed windows that start with the first call.
type quota struct {
	mu     sync.Mutex
	limit  int // 0 = no quota
	window time.Duration
	now    func() time.Time
	start  time.Time // of the current window; zero before the first call
	used   int
}

// allow reports whether one more call fits in the current window. Refused
// calls use up nothing, as with Apigee.
func (q *quota) allow() bool {
	if q.limit <= 0 {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	if q.start.IsZero() || !now.Before(q.start.Add(q.window)) {
		q.start, q.used = now, 0
	}
	if q.used >= q.limit {
		return false
	}
	q.used++
	return true
}

// quotaViolation is Apigee's default Quota fault: HTTP 500, not 429, and no
// Retry-After (reference §12.3). The double space is Apigee's own.
const quotaViolation = `{"fault":{"faultstring":"Rate limit quota violation. Quota limit  exceeded. Identifier : _default","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}`

func writeQuotaViolation(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(quotaViolation))
}
