package cache

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/cssfs/cssfs/internal/fakeclock"
)

// newClock is a clock that tests move by hand, from a fixed day.
func newClock() *fakeclock.Clock { return fakeclock.New(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) }

// counter is a load that counts its calls and returns their number.
func counter(n *atomic.Int64) func(context.Context) (int64, error) {
	return func(context.Context) (int64, error) { return n.Add(1), nil }
}

func TestMemoKeepsAValueForItsTTL(t *testing.T) {
	c := newClock()
	m := &Memo[int64]{now: c.Now}
	var loads atomic.Int64
	ctx := context.Background()
	for i, step := range []struct {
		advance time.Duration
		want    int64
	}{
		{0, 1},                // first Get loads
		{59 * time.Second, 1}, // within the TTL: the same value
		{time.Second, 2},      // at the TTL: loaded again
		{0, 2},
	} {
		c.Add(step.advance)
		v, err := m.Get(ctx, time.Minute, time.Minute, counter(&loads))
		if err != nil || v != step.want {
			t.Errorf("step %d: Get = %d, %v; want %d", i, v, err, step.want)
		}
	}
}

func TestMemoSharesOneLoad(t *testing.T) {
	m := &Memo[int]{}
	gate := make(chan struct{})
	started := make(chan struct{})
	var loads atomic.Int64
	load := func(context.Context) (int, error) {
		if loads.Add(1) == 1 {
			close(started)
		}
		<-gate
		return 7, nil
	}
	var wg sync.WaitGroup
	get := func() {
		defer wg.Done()
		if v, err := m.Get(context.Background(), time.Minute, time.Minute, load); v != 7 || err != nil {
			t.Errorf("Get = %d, %v", v, err)
		}
	}
	wg.Add(8)
	go get()
	<-started // the first load is held at the gate: the others must join it
	for range 7 {
		go get()
	}
	close(gate)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("%d loads for 8 concurrent callers, want 1", n)
	}
}

func TestMemoDoesNotRememberFailures(t *testing.T) {
	m := &Memo[int]{}
	boom := errors.New("boom")
	if _, err := m.Get(context.Background(), time.Minute, time.Minute, func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("Get = %v, want boom", err)
	}
	v, err := m.Get(context.Background(), time.Minute, time.Minute, func(context.Context) (int, error) { return 3, nil })
	if v != 3 || err != nil {
		t.Errorf("Get after a failure = %d, %v; want a fresh load", v, err)
	}
}

func TestMemoCallerThatGivesUpDoesNotSpoilTheLoad(t *testing.T) {
	m := &Memo[int]{}
	gate := make(chan struct{})
	started := make(chan struct{})
	load := func(ctx context.Context) (int, error) {
		close(started)
		<-gate
		return 5, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := m.Get(ctx, time.Minute, time.Minute, load)
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that gave up got %v", err)
	}
	close(gate)
	v, err := m.Get(context.Background(), time.Minute, time.Minute, func(context.Context) (int, error) { return -1, nil })
	if v != 5 || err != nil {
		t.Errorf("Get after the load finished = %d, %v; want the load's 5", v, err)
	}
}

// A listing loaded while a delete forgets it must not bring the deleted
// file back.
func TestMemoForgetDuringALoadDropsItsValue(t *testing.T) {
	m := &Memo[string]{}
	gate := make(chan struct{})
	started := make(chan struct{})
	before := func(context.Context) (string, error) {
		close(started)
		<-gate
		return "with the deleted file", nil
	}
	first := make(chan string)
	go func() {
		v, _ := m.Get(context.Background(), time.Hour, time.Minute, before)
		first <- v
	}()
	<-started
	m.Forget()
	after := func(context.Context) (string, error) { return "without it", nil }
	if v, _ := m.Get(context.Background(), time.Hour, time.Minute, after); v != "without it" {
		t.Errorf("Get after Forget joined the earlier load: %q", v)
	}
	close(gate)
	if v := <-first; v != "with the deleted file" {
		t.Errorf("the earlier caller got %q", v)
	}
	if v, _ := m.Get(context.Background(), time.Hour, time.Minute, after); v != "without it" {
		t.Errorf("the load begun before Forget was kept: %q", v)
	}
}

func TestMemosByKey(t *testing.T) {
	c := newClock()
	ms := &Memos[int64]{Now: c.Now}
	var loads atomic.Int64
	ctx := context.Background()
	a, _ := ms.Get(ctx, "/a", time.Minute, time.Minute, counter(&loads))
	b, _ := ms.Get(ctx, "/b", time.Hour, time.Minute, counter(&loads))
	if a == b {
		t.Fatalf("two keys share a value")
	}
	ms.Put("/c", 100, time.Minute)
	if v, _ := ms.Get(ctx, "/c", time.Minute, time.Minute, counter(&loads)); v != 100 || !ms.Fresh("/c") {
		t.Errorf("Get of a value Put = %d", v)
	}
	ms.Forget("/c")
	if ms.Fresh("/c") {
		t.Errorf("/c is fresh after Forget")
	}
	if ms.Fresh("/never") {
		t.Errorf("a key never asked for is fresh")
	}
	// After the sweep interval, values past their TTL are dropped; /b's
	// hour has not passed.
	c.Add(2 * time.Minute)
	ms.Get(ctx, "/d", time.Minute, time.Minute, counter(&loads))
	if n := ms.Len(); n != 2 {
		t.Errorf("%d keys after the sweep, want 2 (/b and /d)", n)
	}
	if v, _ := ms.Get(ctx, "/b", time.Hour, time.Minute, counter(&loads)); v != b {
		t.Errorf("/b was loaded again within its TTL")
	}
}

// A forgotten value is let go at once, not when the memo is swept: a walk
// that drops listings to bound its memory must not keep them anyway.
func TestForgetLetsTheValueGo(t *testing.T) {
	var ms Memos[*[1 << 16]byte]
	v := new([1 << 16]byte)
	w := weak.Make(v)
	ms.Put("/a", v, time.Hour)
	v = nil
	ms.Forget("/a")
	runtime.GC()
	if w.Value() != nil {
		t.Error("the forgotten value is still reachable")
	}
}
