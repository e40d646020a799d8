package cache

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Streamer is a Fetcher that can also read a long range with one request,
// handing its bytes over in order as they arrive (client.StreamRangeInto):
// into(pos) says where the bytes from pos belong, so that they can be read
// straight into a block, and sink hears which have arrived (a prefix of
// into's buffer, or a buffer of the Streamer's own, to be copied).
type Streamer interface {
	Fetcher
	StreamRangeInto(ctx context.Context, region, id string, off, n int64, into func(pos int64) []byte, sink, spill func(off int64, b []byte)) error
}

// DefaultMaxSpan bounds one streamed request: big enough that a request's
// cost is small next to its transfer, small enough that a readahead window
// holds several, so that parallel streams can make up for a slow one.
const DefaultMaxSpan = 16 << 20

// errInSpan marks the failure of a block that was part of a span: the span
// failed (or was cancelled) as a whole, perhaps on a block nobody wants,
// so a reader that wants this one asks for it alone (Blocks.await).
var errInSpan = errors.New("streamed range failed")

// errSpanShort is what the blocks of a span get when its stream ended
// without them and without an error (it cannot, but must not hang them).
var errSpanShort = errors.New("streamed range ended early")

// PrefetchSpan reads up to n blocks from idx ahead of a sequential reader
// with one streamed request: each block is usable as soon as its bytes have
// arrived, before the request ends. Blocks already cached or on their way
// are skipped, not fetched again. It returns how many blocks from idx it
// dealt with (skipped or started; 0 when the prefetch budget cannot hold
// them) and whether it sent a request. Nobody holds the span: it runs to
// its end (see Reader for spans that stop when their readers go).
func (b *Blocks) PrefetchSpan(r Ref, idx, n int64) (covered int64, sent bool) {
	return b.prefetchSpan(r, idx, n, nil)
}

// prefetchSpan is PrefetchSpan for a reader that holds (h) the span it
// starts and the spans of the blocks it skips, since it wants them.
func (b *Blocks) prefetchSpan(r Ref, idx, n int64, h spanSet) (covered int64, sent bool) {
	n = min(n, b.NumBlocks(r)-idx)
	if idx < 0 || n <= 0 {
		return 0, false
	}
	st, ok := b.fetch.(Streamer)
	if !ok { // block by block
		for i := range n {
			if !b.Prefetch(r, idx+i) {
				return i, i > 0
			}
		}
		return n, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for covered < n {
		f, ok := b.presentLocked(r, idx+covered)
		if !ok {
			break
		}
		if f != nil {
			b.holdLocked(h, f.span)
		}
		covered++
	}
	if covered > 0 {
		return covered, false
	}
	// All or nothing: a span cut to what the budget holds would leave
	// one-block requests at the window's edge.
	end, need := idx, int64(0)
	for end < idx+n {
		if _, ok := b.presentLocked(r, end); ok {
			break
		}
		need += min(b.cfg.BlockSize, r.Size-end*b.cfg.BlockSize)
		end++
	}
	if b.ahead+need > b.cfg.AheadBytes {
		b.dropStaleLocked()
		if b.ahead+need > b.cfg.AheadBytes {
			return 0, false
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.FetchTimeout)
	sp := &span{first: idx, end: end, cancel: cancel}
	run := make([]*fetch, 0, end-idx)
	keys := make([]string, 0, end-idx)
	for i := idx; i < end; i++ {
		f := b.newFetch(min(b.cfg.BlockSize, r.Size-i*b.cfg.BlockSize), true, sp)
		key := blockKey(r, i)
		b.pending[key] = f
		b.ahead += f.size
		run, keys = append(run, f), append(keys, key)
	}
	b.holdLocked(h, sp)
	b.stats.Fetches++
	b.stats.Spans++
	go b.stream(ctx, st, r, sp, run, keys)
	return int64(len(run)), true
}

// presentLocked: block idx is cached (f is nil) or on its way (f).
func (b *Blocks) presentLocked(r Ref, idx int64) (f *fetch, ok bool) {
	key := blockKey(r, idx)
	if f := b.pending[key]; f != nil {
		return f, true
	}
	_, ok = b.lru.Get(key)
	return nil, ok
}

// stream fills the blocks of one span from one streamed request, finishing
// each as soon as it is complete. Blocks the stream did not complete get
// its error; a reader that wants them asks again.
func (b *Blocks) stream(ctx context.Context, st Streamer, r Ref, sp *span, run []*fetch, keys []string) {
	defer sp.cancel()
	first := sp.first
	start := first * b.cfg.BlockSize
	var total int64
	for _, f := range run {
		total += f.size
	}
	cur, have := 0, int64(0)
	// The body lands in the current block's free part: one copy fewer per
	// byte than going through the client's buffer.
	into := func(int64) []byte {
		if cur >= len(run) {
			return nil
		}
		f := run[cur]
		if f.data == nil { // allocated as the bytes come, not up front
			f.data = b.free.get(f.size)
		}
		return f.data[have:]
	}
	sink := func(off int64, p []byte) {
		for len(p) > 0 && cur < len(run) {
			f := run[cur]
			if f.data == nil {
				f.data = b.free.get(f.size)
			}
			k := min(len(p), len(f.data)-int(have))
			if &p[0] != &f.data[have] { // not read in place
				copy(f.data[have:], p[:k])
			}
			have += int64(k)
			p = p[k:]
			if have == f.size {
				b.finish(keys[cur], f, nil)
				cur, have = cur+1, 0
			}
		}
	}
	spill := &spiller{b: b, r: r}
	err := st.StreamRangeInto(ctx, r.Region, r.ID, start, total, into, sink, spill.take)
	if err == nil {
		err = errSpanShort
	}
	b.mu.Lock()
	sp.over = true
	if sp.cancelled {
		err = errSpanCancelled
	}
	b.mu.Unlock()
	for ; cur < len(run); cur++ {
		b.finish(keys[cur], run[cur], fmt.Errorf("object %s at %d: %w: %w", r.ID, first+int64(cur)*b.cfg.BlockSize, errInSpan, err))
	}
}

// finish completes one fetch: a demand fetch goes to ristretto at once, a
// prefetch waits in pending for its reader (see wait); a failure is
// forgotten so that the next reader asks again. Only a fetch that
// succeeded gives its block bytes: those of a failed one (perhaps half
// written) are never read, and are left to the GC.
func (b *Blocks) finish(key string, f *fetch, err error) {
	b.mu.Lock()
	f.finished = time.Now()
	if err != nil {
		f.err = err
	} else {
		b.stats.FetchedBytes += f.size
		f.blk.data = f.data
	}
	f.data = nil
	if (!f.ahead || err != nil) && b.pending[key] == f {
		delete(b.pending, key)
		if f.ahead {
			b.ahead -= f.size
		}
		if err == nil {
			b.store(key, f.blk, f.size) // pending's reference
		} else {
			f.blk.release()
		}
	}
	b.mu.Unlock()
	close(f.done)
}
