package client

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacing: a gateway quota refuses every call once it is used up, and each
// refused call costs a round trip and counts against nothing useful. The
// pacer spaces calls out: never faster than --max-rps, and after the
// gateway has refused most recent calls (an exhausted quota, not a stray
// 429) it halves the rate and holds every call for a while; each answer
// that is not refused adds back a little (additive increase, multiplicative
// decrease, as TCP does).
const (
	// paceWindow is how many recent answers tell a quota from noise.
	paceWindow = 16
	// paceMinShare of the last paceWindow answers refused means over quota;
	// a few scattered 429s are left to each call's own retry.
	paceMinShare = 0.5
	// paceMinRate is the floor: one call a second still learns when the
	// quota has come back.
	paceMinRate = 1.0
	// paceCooldown: one decrease per this long, however many refusals
	// arrive together from calls that were already on their way.
	paceCooldown = time.Second
	// paceBurst: calls that may go at once when the rate allows them.
	paceBurst = 4
)

// RateObserver, when the Config's Observer implements it, hears the
// pacer's current rate in calls per second (0: no limit).
type RateObserver interface {
	Rate(callsPerSec float64)
}

type pacer struct {
	mu       sync.Mutex
	lim      *rate.Limiter
	max      rate.Limit // --max-rps; rate.Inf without one
	cur      rate.Limit
	recent   [paceWindow]bool // true: refused
	n, next  int
	holdTill time.Time
	holds    int // consecutive holds, for their doubling
	cut      time.Time
	backoff  func(n int) time.Duration
	obs      RateObserver

	// the rate calls were actually sent at, counted per second
	secStart       time.Time
	secCalls, last int
}

// newPacer paces at most maxRPS calls a second (0: no limit until the
// gateway refuses calls). backoff gives the n-th hold.
func newPacer(maxRPS float64, backoff func(int) time.Duration, obs RateObserver) *pacer {
	p := &pacer{max: rate.Inf, backoff: backoff, obs: obs}
	if maxRPS > 0 {
		p.max = rate.Limit(maxRPS)
	}
	p.cur = p.max
	p.lim = rate.NewLimiter(p.cur, paceBurst)
	p.report()
	return p
}

// wait blocks until a call may go, or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	hold := time.Until(p.holdTill)
	p.countCallLocked(time.Now())
	p.mu.Unlock()
	if hold > 0 {
		if err := sleepCtx(ctx, hold); err != nil {
			return fmt.Errorf("paced while the gateway's quota recovers: %w", err)
		}
	}
	r := p.lim.Reserve()
	if err := sleepCtx(ctx, r.Delay()); err != nil {
		r.Cancel()
		return fmt.Errorf("paced at %.1f calls/s: %w", float64(p.lim.Limit()), err)
	}
	return nil
}

func (p *pacer) countCallLocked(now time.Time) {
	if now.Sub(p.secStart) >= time.Second {
		p.last, p.secCalls, p.secStart = p.secCalls, 0, now
	}
	p.secCalls++
}

// answered records one answer: refused by the gateway or not.
func (p *pacer) answered(throttled bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recent[p.next] = throttled
	p.next = (p.next + 1) % paceWindow
	p.n = min(p.n+1, paceWindow)
	now := time.Now()
	if !throttled {
		p.holds = 0
		if p.cur < p.max {
			// About one more call a second for every second of answers.
			p.cur = min(p.max, p.cur+1/max(p.cur, paceMinRate))
			p.lim.SetLimit(p.cur)
			p.report()
		}
		return
	}
	refused := 0
	for i := range p.n {
		if p.recent[i] {
			refused++
		}
	}
	if p.n < paceWindow/4 || float64(refused) < paceMinShare*float64(p.n) || now.Sub(p.cut) < paceCooldown {
		return
	}
	p.cut = now
	sent := rate.Limit(max(p.last, p.secCalls))
	p.cur = max(min(p.cur, sent)/2, paceMinRate)
	p.lim.SetLimit(p.cur)
	p.holds++
	p.holdTill = now.Add(p.backoff(p.holds))
	p.report()
}

func (p *pacer) report() {
	if p.obs == nil {
		return
	}
	if p.cur == rate.Inf || math.IsInf(float64(p.cur), 1) {
		p.obs.Rate(0)
		return
	}
	p.obs.Rate(float64(p.cur))
}
