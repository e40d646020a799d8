// Package cache holds cssfs's in-memory caches: object content in aligned
// blocks (ristretto, bounded by bytes) and directory listings (TTL).
package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/cssfs/cssfs/client"
)

// Fetcher reads exactly len(p) bytes of an object at off. When the server
// sends more than was asked (it ignored Range), the other bytes are offered
// to spill so they need not be fetched again.
type Fetcher interface {
	ReadRange(ctx context.Context, region, id string, off int64, p []byte, spill func(off int64, b []byte)) (int, error)
}

// Ref names one object's content: where it lives and how long it is.
type Ref struct {
	Region string
	ID     string
	Size   int64
}

// Defaults of BlockConfig (and of cssfs's --block-size and --cache-size).
const (
	// DefaultBlockSize: 1 MiB is the largest FUSE read (max_read), so one
	// kernel read never needs two fetches, and big enough that a request's
	// latency is small next to its transfer.
	DefaultBlockSize = 1 << 20
	// DefaultMaxBytes bounds the cache's memory.
	DefaultMaxBytes = 256 << 20
	// defaultAheadTTL: a prefetched block nobody has read after this long
	// belongs to a reader that has gone; its budget is freed.
	defaultAheadTTL = 30 * time.Second
	// aheadShare: prefetches may hold up to this share of the cache, so
	// that readahead never crowds out what readers use.
	aheadShare = 4
	// minAheadBlocks: even a small cache lets a reader prefetch this much.
	minAheadBlocks = 4
)

// Ristretto's sizing, as its documentation advises.
const (
	minItems        = 64 // below this ristretto's sampling is poor
	countersPerItem = 10 // admission counters per item the cache can hold
	bufferItems     = 64 // Get buffer size per shard (the recommended value)
)

// BlockConfig tunes a Blocks cache.
type BlockConfig struct {
	BlockSize    int64             // bytes per block (default DefaultBlockSize)
	MaxBytes     int64             // bound on cached bytes (default DefaultMaxBytes)
	AheadBytes   int64             // bound on prefetched bytes not yet read (default MaxBytes/4)
	FetchTimeout time.Duration     // deadline of one block fetch, retries included (default client.DefaultTimeout)
	AheadTTL     time.Duration     // a prefetched block nobody reads is dropped after this (default 30 s)
	MaxSpan      int64             // bound on one streamed request in bytes (default DefaultMaxSpan)
	OnWindow     func(bytes int64) // hears each sequential reader's prefetch window (metrics)
}

// Blocks caches object content in aligned blocks.
//
// Finished blocks live in ristretto, which may refuse or evict any of them.
// Blocks being fetched, and prefetched blocks not yet read, live in a map of
// their own until a reader takes them, because ristretto's admission policy
// would otherwise drop fresh prefetches in favour of older blocks. That map
// is bounded by AheadBytes: Prefetch does nothing once it is full.
//
// Concurrent readers of one block share one fetch, and fetches run detached
// from the reader's context, so an interrupted reader does not fail others.
//
// Blocks are reference counted (see block): whoever may still read a
// block's bytes holds a reference, and a block's buffer is reused for
// another block only once all are let go.
type Blocks struct {
	fetch Fetcher
	cfg   BlockConfig
	lru   *ristretto.Cache[string, *block] // holds one reference per entry
	free  *freeList

	mu      sync.Mutex
	pending map[string]*fetch
	ahead   int64 // bytes of prefetches in flight or waiting to be read
	stats   Stats
}

// fetch is one block on its way, or fetched ahead and waiting for a reader.
//
// blk exists from the start, so that readers joining the fetch can take
// references before its bytes arrive; its data is set (on success only)
// before done is closed. The fetch holds one reference of blk while it is
// in Blocks.pending: whoever takes it out of pending hands that reference
// to ristretto or lets go of it. Every *fetch that get returns carries
// one more reference, for the caller (see await).
type fetch struct {
	done     chan struct{}
	blk      *block
	data     []byte // the bytes being fetched (the loader's, until done)
	err      error
	size     int64
	ahead    bool // a prefetch, counted in Blocks.ahead until taken
	finished time.Time
	span     *span // the streamed request it is part of, if any
}

// Stats counts cache activity.
type Stats struct {
	Hits, Misses, Fetches, FetchedBytes, SpilledBlocks, AheadDropped int64
	Spans                                                            int64 // fetches that streamed several blocks
	SpansCancelled                                                   int64 // spans stopped because no reader wanted the rest
	Evicted                                                          int64 // blocks ristretto evicted
	Held                                                             int64 // bytes ristretto holds
	Ahead                                                            int64 // bytes prefetched and not yet read, or on their way
	Recycled                                                         int64 // block buffers reused instead of allocated
}

// NewBlocks makes a block cache over f.
func NewBlocks(f Fetcher, cfg BlockConfig) (*Blocks, error) {
	if cfg.BlockSize <= 0 {
		cfg.BlockSize = DefaultBlockSize
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.AheadBytes <= 0 {
		cfg.AheadBytes = max(cfg.MaxBytes/aheadShare, minAheadBlocks*cfg.BlockSize)
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = client.DefaultTimeout
	}
	if cfg.MaxSpan <= 0 {
		cfg.MaxSpan = DefaultMaxSpan
	}
	if cfg.AheadTTL <= 0 {
		cfg.AheadTTL = defaultAheadTTL
	}
	items := max(cfg.MaxBytes/cfg.BlockSize, minItems)
	lru, err := ristretto.NewCache(&ristretto.Config[string, *block]{
		NumCounters: countersPerItem * items,
		MaxCost:     cfg.MaxBytes,
		BufferItems: bufferItems,
		Metrics:     true,
		// Ristretto calls this once for every value it was given (Set
		// returned true) when the value leaves: evicted, rejected by
		// its admission policy, replaced by a Set of the same key, or
		// cleared by Close. A value that never got in (Set returned
		// false) is not its to release. It may pass nil (a victim that
		// was gone already).
		OnExit: func(k *block) {
			if k != nil {
				k.release()
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("block cache: %w", err)
	}
	return &Blocks{fetch: f, cfg: cfg, lru: lru, free: newFreeList(cfg.BlockSize, cfg.MaxBytes), pending: map[string]*fetch{}}, nil
}

// store gives ristretto one reference to k (the caller's). A Set that
// ristretto drops leaves the reference with the caller: it is let go here.
func (b *Blocks) store(key string, k *block, size int64) {
	if !b.lru.Set(key, k, size) {
		k.release()
	}
}

// cached returns block key from ristretto with a reference for the
// caller. Ristretto may evict it (and let go of its reference) at any
// moment, so a block found dead is a miss.
func (b *Blocks) cached(key string) *block {
	if k, ok := b.lru.Get(key); ok && k != nil && k.acquire() {
		return k
	}
	return nil
}

// Close releases the cache.
func (b *Blocks) Close() { b.lru.Close() }

// BlockSize is the size of one aligned block: the I/O size files report.
func (b *Blocks) BlockSize() int64 { return b.cfg.BlockSize }

// Stats returns a snapshot of the counters.
func (b *Blocks) Stats() Stats {
	b.mu.Lock()
	s := b.stats
	s.Ahead = b.ahead
	b.mu.Unlock()
	s.Recycled = b.free.recycled.Load()
	if m := b.lru.Metrics; m != nil {
		s.Evicted = int64(m.KeysEvicted())
		s.Held = int64(m.CostAdded()) - int64(m.CostEvicted())
	}
	return s
}

func blockKey(r Ref, idx int64) string {
	return r.Region + "\x00" + r.ID + "\x00" + strconv.FormatInt(idx, 10)
}

// NumBlocks is how many blocks r's content spans.
func (b *Blocks) NumBlocks(r Ref) int64 {
	return (r.Size + b.cfg.BlockSize - 1) / b.cfg.BlockSize
}

// ReadAt fills p from r's content at off, like io.ReaderAt but with a
// context: it returns fewer bytes than len(p) only at the end of the object.
func (b *Blocks) ReadAt(ctx context.Context, r Ref, p []byte, off int64) (int, error) {
	return b.readAt(ctx, r, p, off, nil)
}

// readAt copies the blocks spanning [off, off+len(p)) into p. Blocks come
// from recent when it holds them (an open file's last blocks; may be nil),
// else from the cache or a fetch.
func (b *Blocks) readAt(ctx context.Context, r Ref, p []byte, off int64, recent *recentBlocks) (int, error) {
	if off >= r.Size || len(p) == 0 {
		return 0, nil
	}
	bs := b.cfg.BlockSize
	end := min(off+int64(len(p)), r.Size)
	first, last := off/bs, (end-1)/bs
	// Start every block the read spans, then copy them in order. Each
	// wait carries a reference, given back once its block is copied (or,
	// after a failure, unread).
	waits := make([]*fetch, last-first+1)
	for i := range waits {
		if k := recent.get(first + int64(i)); k != nil {
			waits[i] = doneFetch(k)
		} else {
			waits[i] = b.get(r, first+int64(i))
		}
	}
	defer func() {
		for _, f := range waits {
			if f != nil {
				f.blk.release()
			}
		}
	}()
	n := 0
	for i, f := range waits {
		idx := first + int64(i)
		waits[i] = nil // await takes over its reference
		k, err := b.await(ctx, r, idx, f)
		if err != nil {
			return n, err
		}
		data := k.data
		recent.put(idx, k)
		start := idx * bs
		lo := max(off, start) - start
		hi := min(end, start+int64(len(data))) - start
		if lo >= hi {
			k.release()
			return n, fmt.Errorf("object %s: block %d is short", r.ID, idx)
		}
		n += copy(p[n:], data[lo:hi])
		k.release()
	}
	return n, nil
}

// readView returns the bytes [off, off+len(p)) of r (fewer only at the
// end): a slice of the cached block itself when they lie in one block, so
// that the caller can hand them on without a copy, else p filled by readAt.
// With a slice of a block it returns that block, with a reference the
// caller must let go of once it no longer reads the slice (k is nil for p).
// The block's bytes never change while referenced; the caller must not
// change them either.
func (b *Blocks) readView(ctx context.Context, r Ref, p []byte, off int64, recent *recentBlocks) (v []byte, k *block, err error) {
	if off >= r.Size || len(p) == 0 {
		return p[:0], nil, nil
	}
	bs := b.cfg.BlockSize
	end := min(off+int64(len(p)), r.Size)
	idx := off / bs
	if (end-1)/bs != idx {
		n, err := b.readAt(ctx, r, p, off, recent)
		return p[:n], nil, err
	}
	if k = recent.get(idx); k == nil {
		if k, err = b.await(ctx, r, idx, b.get(r, idx)); err != nil {
			return nil, nil, err
		}
		recent.put(idx, k)
	}
	lo, hi := off-idx*bs, end-idx*bs
	if hi > int64(len(k.data)) {
		k.release()
		return nil, nil, fmt.Errorf("object %s: block %d is short", r.ID, idx)
	}
	return k.data[lo:hi:hi], k, nil
}

// doneFetch is a fetch that is over, carrying the caller's reference to k.
func doneFetch(k *block) *fetch {
	f := &fetch{done: make(chan struct{}), blk: k}
	close(f.done)
	return f
}

// Block returns block idx of r, from the cache or by one shared fetch.
// The caller may keep the bytes as long as it likes: its reference is
// never given back, so this block's buffer is left to the GC, not reused.
func (b *Blocks) Block(ctx context.Context, r Ref, idx int64) ([]byte, error) {
	k, err := b.await(ctx, r, idx, b.get(r, idx))
	if err != nil {
		return nil, err
	}
	return k.data, nil
}

// await waits for f, the fetch of block idx, and takes over the reference
// f carries: it returns the block with that reference, or lets go of it
// with an error. A block whose span failed or was cancelled under this
// reader (the readers that wanted the span had gone elsewhere before this
// one came, or the span's deadline passed) is fetched again, alone.
func (b *Blocks) await(ctx context.Context, r Ref, idx int64, f *fetch) (*block, error) {
	key := blockKey(r, idx)
	for range maxRefetch {
		k, err := b.wait(ctx, key, f)
		if !errors.Is(err, errInSpan) || ctx.Err() != nil {
			return k, err
		}
		f = b.get(r, idx)
	}
	return b.wait(ctx, key, f)
}

// maxRefetch bounds await's new fetches: each one may itself join a span
// that fails just then, which cannot go on for long.
const maxRefetch = 3

// get finds block idx in the cache (a finished fetch), joins its fetch, or
// starts one. The fetch it returns carries a reference for the caller.
func (b *Blocks) get(r Ref, idx int64) *fetch {
	key := blockKey(r, idx)
	if k := b.cached(key); k != nil {
		b.count(func(s *Stats) { s.Hits++ })
		return doneFetch(k)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.pending[key]; f != nil {
		b.stats.Hits++
		f.blk.refs.Add(1) // cannot be dead: pending holds a reference
		return f
	}
	b.stats.Misses++
	f := b.startLocked(r, idx, key, false)
	f.blk.refs.Add(1)
	return f
}

// wait waits for f, then moves a prefetched block from the pending map to
// ristretto: it has been read, so it counts as used. It takes over the
// reference f carries, as await does.
func (b *Blocks) wait(ctx context.Context, key string, f *fetch) (*block, error) {
	select {
	case <-f.done:
	case <-ctx.Done():
		f.blk.release()
		return nil, ctx.Err()
	}
	if f.ahead {
		b.mu.Lock()
		if b.pending[key] == f {
			delete(b.pending, key)
			b.ahead -= f.size
			if f.err == nil {
				b.store(key, f.blk, f.size) // pending's reference
			} else {
				f.blk.release()
			}
		}
		b.mu.Unlock()
	}
	if f.err != nil {
		f.blk.release()
		return nil, f.err
	}
	return f.blk, nil
}

// Prefetch starts fetching block idx of r in the background unless it is
// cached or on its way. It reports false when the prefetch budget is spent.
func (b *Blocks) Prefetch(r Ref, idx int64) bool {
	if idx < 0 || idx >= b.NumBlocks(r) {
		return true
	}
	key := blockKey(r, idx)
	if _, ok := b.lru.Get(key); ok { // only asks whether it is there
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pending[key] != nil {
		return true
	}
	size := min(b.cfg.BlockSize, r.Size-idx*b.cfg.BlockSize)
	if b.ahead+size > b.cfg.AheadBytes {
		b.dropStaleLocked()
		if b.ahead+size > b.cfg.AheadBytes {
			return false
		}
	}
	b.startLocked(r, idx, key, true)
	return true
}

// dropStaleLocked forgets prefetched blocks that nobody read in time (their
// reader closed the file or moved elsewhere), freeing the budget.
func (b *Blocks) dropStaleLocked() {
	now := time.Now()
	for key, f := range b.pending {
		if f.ahead && !f.finished.IsZero() && now.Sub(f.finished) > b.cfg.AheadTTL {
			delete(b.pending, key)
			b.ahead -= f.size
			b.stats.AheadDropped++
			f.blk.release() // pending's reference
		}
	}
}

// newFetch makes a fetch of size bytes, holding pending's reference.
func (b *Blocks) newFetch(size int64, ahead bool, sp *span) *fetch {
	return &fetch{done: make(chan struct{}), blk: newBlock(nil, b.free), size: size, ahead: ahead, span: sp}
}

// startLocked begins fetching one block under its own deadline.
func (b *Blocks) startLocked(r Ref, idx int64, key string, ahead bool) *fetch {
	start := idx * b.cfg.BlockSize
	f := b.newFetch(max(min(b.cfg.BlockSize, r.Size-start), 0), ahead, nil)
	b.pending[key] = f
	if ahead {
		b.ahead += f.size
	}
	b.stats.Fetches++
	go b.load(r, start, key, f)
	return f
}

func (b *Blocks) load(r Ref, start int64, key string, f *fetch) {
	data, err := b.read(r, start, f.size)
	f.data = data
	b.finish(key, f, err)
}

func (b *Blocks) read(r Ref, start, size int64) ([]byte, error) {
	if size <= 0 {
		return nil, fmt.Errorf("object %s: block at %d is past the end", r.ID, start)
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.FetchTimeout)
	defer cancel()
	// On failure the buffer is left to the GC, not reused: the fetcher
	// is trusted to be done with it only after success.
	data := b.free.get(size)
	sp := &spiller{b: b, r: r}
	n, err := b.fetch.ReadRange(ctx, r.Region, r.ID, start, data, sp.take)
	if err != nil {
		return nil, fmt.Errorf("object %s at %d: %w", r.ID, start, err)
	}
	if int64(n) != size {
		return nil, fmt.Errorf("object %s: read %d of %d bytes at %d", r.ID, n, size, start)
	}
	return data, nil
}

func (b *Blocks) count(f func(*Stats)) {
	b.mu.Lock()
	f(&b.stats)
	b.mu.Unlock()
}

// spiller assembles the extra bytes of a whole-object answer into aligned
// blocks and caches each block once it is complete.
type spiller struct {
	b    *Blocks
	r    Ref
	idx  int64
	buf  []byte
	have int64
}

func (s *spiller) take(off int64, p []byte) {
	bs := s.b.cfg.BlockSize
	for len(p) > 0 && off < s.r.Size {
		idx := off / bs
		start := idx * bs
		size := min(bs, s.r.Size-start)
		if s.buf == nil || idx != s.idx || off != start+s.have {
			if off != start { // not at a block boundary: cannot complete this block
				skip := min(int64(len(p)), start+size-off)
				off, p = off+skip, p[skip:]
				s.buf = nil
				continue
			}
			s.idx, s.buf, s.have = idx, s.b.free.get(size), 0
		}
		n := copy(s.buf[s.have:], p)
		s.have += int64(n)
		off, p = off+int64(n), p[n:]
		if s.have == size {
			s.b.store(blockKey(s.r, idx), newBlock(s.buf, s.b.free), size)
			s.b.count(func(st *Stats) { st.SpilledBlocks++ })
			s.buf = nil
		}
	}
}
