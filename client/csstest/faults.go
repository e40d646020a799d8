package csstest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// delay applies Faults.Latency and latency spikes; delaying the response is the fault itself.
func delay(f Faults) {
	d := f.Latency
	if f.SpikeRate > 0 && rand.Float64() < f.SpikeRate {
		d += f.SpikeLatency
	}
	if d > 0 {
		time.Sleep(d)
	}
}

var fiveXX = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

// injectFailure answers 429 or 5xx per the fault rates; true if it answered.
// 429 applies to storage calls only; 5xx also to the token endpoint.
func injectFailure(w http.ResponseWriter, f Faults, storage bool) bool {
	if storage && f.Rate429 > 0 && rand.Float64() < f.Rate429 {
		secs := int64(f.RetryAfter.Round(time.Second) / time.Second)
		if secs <= 0 {
			secs = 1
		}
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"fault":{"faultstring":"Rate limit quota violation","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}`))
		return true
	}
	if f.Rate5xx > 0 && rand.Float64() < f.Rate5xx {
		code := fiveXX[rand.IntN(len(fiveXX))]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, `{"status":%d,"error":%q,"message":"injected fault"}`, code, http.StatusText(code))
		return true
	}
	return false
}
