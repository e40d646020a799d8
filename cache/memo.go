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
	now func() time.Time // nil: time.Now

	mu      sync.Mutex
	val     V
	loaded  time.Time
	ttl     time.Duration // of the last Get: how long val is good for
	ok      bool
	gen     uint64 // bumped by Forget: a load begun before must not store its value
	pending *memoCall[V]
}

type memoCall[V any] struct {
	done chan struct{}
	gen  uint64
	val  V
	err  error
}

func (m *Memo[V]) clock() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

// Get returns the value if it is younger than ttl, or loads it, giving the
// load its own deadline of timeout.
func (m *Memo[V]) Get(ctx context.Context, ttl time.Duration, timeout time.Duration, load func(context.Context) (V, error)) (V, error) {
	m.mu.Lock()
	m.ttl = ttl
	if m.ok && m.clock().Sub(m.loaded) < ttl {
		v := m.val
		m.mu.Unlock()
		return v, nil
	}
	call := m.pending
	if call == nil {
		call = &memoCall[V]{done: make(chan struct{}), gen: m.gen}
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
	if call.err == nil && call.gen == m.gen {
		m.val, m.loaded, m.ok = call.val, m.clock(), true
	}
	if m.pending == call {
		m.pending = nil
	}
	m.mu.Unlock()
	close(call.done)
}

// put stores a value loaded elsewhere (a listing derived from its
// parent's), as if a load had just returned it.
func (m *Memo[V]) put(v V, ttl time.Duration) {
	m.mu.Lock()
	m.val, m.loaded, m.ttl, m.ok = v, m.clock(), ttl, true
	m.mu.Unlock()
}

// fresh reports whether Get would return a value without loading.
func (m *Memo[V]) fresh() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ok && m.clock().Sub(m.loaded) < m.ttl
}

// idle reports whether the memo holds nothing worth keeping: no fresh
// value and no load on its way.
func (m *Memo[V]) idle() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pending == nil && !(m.ok && m.clock().Sub(m.loaded) < m.ttl)
}

// Forget drops the value so the next Get loads afresh. A load already on
// its way (which may have read the service before the change that made
// the caller forget) still answers its waiters but is not kept, and the
// next Get does not join it.
func (m *Memo[V]) Forget() {
	m.mu.Lock()
	var zero V
	m.val, m.ok = zero, false // not kept until the memo is swept
	m.gen++
	m.pending = nil
	m.mu.Unlock()
}

// sweepEvery is how often Memos drops stale entries: often enough that
// memory follows what is in use, rarely enough that walking every key
// costs nothing next to one listing.
const sweepEvery = time.Minute

// Memos holds one Memo per key (a directory listing per path) and drops
// those whose value has outlived its time to live, so that its memory
// follows what is in use.
type Memos[V any] struct {
	Now func() time.Time // the clock; nil means time.Now (tests move their own)

	mu    sync.Mutex
	memos map[string]*Memo[V]
	swept time.Time
}

func (ms *Memos[V]) clock() time.Time {
	if ms.Now != nil {
		return ms.Now()
	}
	return time.Now()
}

// memo returns key's Memo, making it if needed, and now and then drops the
// stale ones.
func (ms *Memos[V]) memo(key string) *Memo[V] {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	now := ms.clock()
	if now.Sub(ms.swept) >= sweepEvery {
		for k, m := range ms.memos {
			if m.idle() {
				delete(ms.memos, k)
			}
		}
		ms.swept = now
	}
	m := ms.memos[key]
	if m == nil {
		if ms.memos == nil {
			ms.memos = map[string]*Memo[V]{}
		}
		m = &Memo[V]{now: ms.Now}
		ms.memos[key] = m
	}
	return m
}

// Get is Memo.Get for key.
func (ms *Memos[V]) Get(ctx context.Context, key string, ttl, timeout time.Duration, load func(context.Context) (V, error)) (V, error) {
	return ms.memo(key).Get(ctx, ttl, timeout, load)
}

// Put stores v for key as if it had just been loaded.
func (ms *Memos[V]) Put(key string, v V, ttl time.Duration) {
	ms.memo(key).put(v, ttl)
}

// Fresh reports whether Get of key would return without loading.
func (ms *Memos[V]) Fresh(key string) bool {
	ms.mu.Lock()
	m := ms.memos[key]
	ms.mu.Unlock()
	return m != nil && m.fresh()
}

// Forget is Memo.Forget for key.
func (ms *Memos[V]) Forget(key string) {
	ms.mu.Lock()
	m := ms.memos[key]
	ms.mu.Unlock()
	if m != nil {
		m.Forget()
	}
}

// Range calls f with each key's value while it is fresh.
func (ms *Memos[V]) Range(f func(key string, v V)) {
	ms.mu.Lock()
	all := make(map[string]*Memo[V], len(ms.memos))
	for k, m := range ms.memos {
		all[k] = m
	}
	ms.mu.Unlock()
	for k, m := range all {
		m.mu.Lock()
		v, ok := m.val, m.ok && m.clock().Sub(m.loaded) < m.ttl
		m.mu.Unlock()
		if ok {
			f(k, v)
		}
	}
}

// Len is the number of keys held.
func (ms *Memos[V]) Len() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.memos)
}
