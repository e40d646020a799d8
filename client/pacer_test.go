package client

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
)

type rateRecorder struct {
	mu    sync.Mutex
	rates []float64
}

func (r *rateRecorder) Rate(v float64) {
	r.mu.Lock()
	r.rates = append(r.rates, v)
	r.mu.Unlock()
}

func (r *rateRecorder) lastRate() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rates[len(r.rates)-1]
}

func fixedBackoff(int) time.Duration { return time.Second }

func TestPacerHalvesWhenMostCallsAreRefusedAndRecoversSlowly(t *testing.T) {
	rec := &rateRecorder{}
	p := newPacer(100, fixedBackoff, rec)
	if got := rec.lastRate(); got != 100 {
		t.Fatalf("rate %v, want --max-rps 100", got)
	}
	for range 4 {
		p.countCallLocked(time.Now())
		p.answered(true)
	}
	after := rec.lastRate()
	if after > 50 || after < paceMinRate {
		t.Fatalf("rate %v after 4 refusals in a row, want at most half of 100", after)
	}
	if time.Until(p.holdTill) <= 0 {
		t.Error("no hold after the quota ran out")
	}
	for range 10 { // more refusals within the cooldown change nothing
		p.answered(true)
	}
	if got := rec.lastRate(); got != after {
		t.Errorf("rate %v, want %v: one decrease per cooldown", got, after)
	}
	for range 20 {
		p.answered(false)
	}
	if got := rec.lastRate(); got <= after || got > after+20 {
		t.Errorf("rate %v after 20 answers from %v: want a slow increase", got, after)
	}
}

func TestPacerIgnoresScatteredRefusals(t *testing.T) {
	rec := &rateRecorder{}
	p := newPacer(0, fixedBackoff, rec)
	for i := range 200 {
		p.answered(i%10 == 0) // 10 % refused: noise, each call retries on its own
	}
	if got := rec.lastRate(); got != 0 {
		t.Errorf("rate %v, want 0 (no limit)", got)
	}
}

func TestMaxRPSSpacesCalls(t *testing.T) {
	srv, err := csstest.New(csstest.Options{Regions: []string{"us-east"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Key: srv.Key, Secret: srv.Secret, MaxRPS: 40})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 24 {
		if _, err := c.Regions(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// A burst of paceBurst, then one call every 25 ms.
	if d := time.Since(start); d < time.Duration(24-paceBurst)*25*time.Millisecond {
		t.Errorf("24 calls at --max-rps 40 took %v", d)
	}
}

// Under a gateway quota, a client that paces itself wastes few calls.
func TestPacingUnderAQuotaWastesFewCalls(t *testing.T) {
	srv, err := csstest.New(csstest.Options{Regions: []string{"us-east"}, QuotaPerMin: 40, QuotaWindow: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Key: srv.Key, Secret: srv.Secret,
		Retry: RetryPolicy{ThrottleDelay: 100 * time.Millisecond, MaxDelay: 400 * time.Millisecond, MaxElapsed: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	const calls = 240
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= calls {
				if _, err := c.Regions(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	throttled := srv.Count("throttled")
	t.Logf("%d calls, %d throttled answers", calls, throttled)
	if throttled > calls/8 { // without pacing: about 56
		t.Errorf("%d throttled answers for %d useful calls", throttled, calls)
	}
}
