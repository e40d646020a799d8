package cache

import (
	"context"
	"sync"
	"time"
)

// Memo holds one value that is expensive to load (a directory listing) for
// a time to live. Concurrent callers share one load; a failed load is not
// remembered. The load runs detached from any one caller's context, so a
// caller that gives up does not spoil it for the others.
type Memo[V any] struct {
	mu      sync.Mutex
	val     V
	loaded  time.Time
	ok      bool
	pending *memoCall[V]
}

type memoCall[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// Get returns the value if it is younger than ttl, or loads it.
func (m *Memo[V]) Get(ctx context.Context, ttl time.Duration, timeout time.Duration, load func(context.Context) (V, error)) (V, error) {
	m.mu.Lock()
	if m.ok && time.Since(m.loaded) < ttl {
		v := m.val
		m.mu.Unlock()
		return v, nil
	}
	call := m.pending
	if call == nil {
		call = &memoCall[V]{done: make(chan struct{})}
		m.pending = call
		go m.run(call, timeout, load)
	}
	m.mu.Unlock()
	select {
	case <-call.done:
		return call.val, call.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

func (m *Memo[V]) run(call *memoCall[V], timeout time.Duration, load func(context.Context) (V, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	call.val, call.err = load(ctx)
	m.mu.Lock()
	if call.err == nil {
		m.val, m.loaded, m.ok = call.val, time.Now(), true
	}
	m.pending = nil
	m.mu.Unlock()
	close(call.done)
}

// Forget drops the value so the next Get loads afresh.
func (m *Memo[V]) Forget() {
	m.mu.Lock()
	m.ok = false
	m.mu.Unlock()
}
