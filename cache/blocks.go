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
	"golang.org/x/sync/singleflight"
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

// BlockConfig tunes a Blocks cache.
type BlockConfig struct {
	BlockSize    int64         // bytes per block (default 1 MiB)
	MaxBytes     int64         // bound on cached bytes (default 256 MiB)
	FetchTimeout time.Duration // deadline of one block fetch, retries included (default 2 min)
}

// Blocks caches object content in aligned blocks. Concurrent readers of one
// block share one fetch; fetches are detached from the caller's context so
// an interrupted reader does not fail the others waiting on the same block.
type Blocks struct {
	fetch     Fetcher
	blockSize int64
	timeout   time.Duration
	lru       *ristretto.Cache[string, []byte]
	inflight  singleflight.Group

	mu       sync.Mutex
	inFlight int64 // bytes being fetched right now (prefetch backs off past a bound)
	stats    Stats
}

// Stats counts cache activity.
type Stats struct {
	Hits, Misses, Fetches, FetchedBytes, SpilledBlocks int64
}

// NewBlocks makes a block cache over f.
func NewBlocks(f Fetcher, cfg BlockConfig) (*Blocks, error) {
	if cfg.BlockSize <= 0 {
		cfg.BlockSize = 1 << 20
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 256 << 20
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 2 * time.Minute
	}
	items := max(cfg.MaxBytes/cfg.BlockSize, 64)
	lru, err := ristretto.NewCache(&ristretto.Config[string, []byte]{
		NumCounters: 10 * items,
		MaxCost:     cfg.MaxBytes,
		BufferItems: 64,
	})
	if err != nil {
		return nil, fmt.Errorf("block cache: %w", err)
	}
	return &Blocks{fetch: f, blockSize: cfg.BlockSize, timeout: cfg.FetchTimeout, lru: lru}, nil
}

// Close releases the cache.
func (b *Blocks) Close() { b.lru.Close() }

// BlockSize is the size of one aligned block.
func (b *Blocks) BlockSize() int64 { return b.blockSize }

// Stats returns a snapshot of the counters.
func (b *Blocks) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

func blockKey(r Ref, idx int64) string {
	return r.Region + "\x00" + r.ID + "\x00" + strconv.FormatInt(idx, 10)
}

// NumBlocks is how many blocks r's content spans.
func (b *Blocks) NumBlocks(r Ref) int64 {
	return (r.Size + b.blockSize - 1) / b.blockSize
}

// ReadAt fills p from r's content at off, like io.ReaderAt but with a
// context: it returns fewer bytes than len(p) only at the end of the object.
func (b *Blocks) ReadAt(ctx context.Context, r Ref, p []byte, off int64) (int, error) {
	if off >= r.Size || len(p) == 0 {
		return 0, nil
	}
	end := min(off+int64(len(p)), r.Size)
	first, last := off/b.blockSize, (end-1)/b.blockSize
	// Fetch every block the read spans in parallel, then copy in order.
	blocks := make([][]byte, last-first+1)
	errs := make([]error, len(blocks))
	var wg sync.WaitGroup
	for i := range blocks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			blocks[i], errs[i] = b.Block(ctx, r, first+int64(i))
		}()
	}
	wg.Wait()
	n := 0
	for i, data := range blocks {
		if errs[i] != nil {
			return n, errs[i]
		}
		start := (first + int64(i)) * b.blockSize
		lo := max(off, start) - start
		hi := min(end, start+int64(len(data))) - start
		if lo >= hi {
			return n, fmt.Errorf("object %s: block %d is short", r.ID, first+int64(i))
		}
		n += copy(p[n:], data[lo:hi])
	}
	return n, nil
}

// Cached reports whether block idx of r is in the cache.
func (b *Blocks) Cached(r Ref, idx int64) bool {
	_, ok := b.lru.Get(blockKey(r, idx))
	return ok
}

// Block returns block idx of r, from the cache or by one shared fetch.
func (b *Blocks) Block(ctx context.Context, r Ref, idx int64) ([]byte, error) {
	key := blockKey(r, idx)
	if data, ok := b.lru.Get(key); ok {
		b.count(func(s *Stats) { s.Hits++ })
		return data, nil
	}
	b.count(func(s *Stats) { s.Misses++ })
	ch := b.inflight.DoChan(key, func() (any, error) {
		return b.load(r, idx, key)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]byte), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Prefetch starts fetching block idx of r in the background unless it is
// cached, already on its way, or too much is in flight already.
func (b *Blocks) Prefetch(r Ref, idx int64, maxInFlight int64) {
	if idx < 0 || idx >= b.NumBlocks(r) || b.Cached(r, idx) {
		return
	}
	b.mu.Lock()
	busy := b.inFlight+b.blockSize > maxInFlight
	b.mu.Unlock()
	if busy {
		return
	}
	key := blockKey(r, idx)
	b.inflight.DoChan(key, func() (any, error) { return b.load(r, idx, key) })
}

// load fetches one block under its own deadline and caches it.
func (b *Blocks) load(r Ref, idx int64, key string) ([]byte, error) {
	if data, ok := b.lru.Get(key); ok { // landed while we queued
		return data, nil
	}
	start := idx * b.blockSize
	size := min(b.blockSize, r.Size-start)
	if size <= 0 {
		return nil, fmt.Errorf("object %s: block %d is past the end", r.ID, idx)
	}
	b.count(func(s *Stats) { s.Fetches++ })
	b.mu.Lock()
	b.inFlight += size
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.inFlight -= size
		b.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	data := make([]byte, size)
	sp := &spiller{b: b, r: r}
	n, err := b.fetch.ReadRange(ctx, r.Region, r.ID, start, data, sp.take)
	if err == nil && int64(n) != size {
		err = fmt.Errorf("object %s: read %d of %d bytes at %d", r.ID, n, size, start)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("object %s block %d: %w", r.ID, idx, err)
		}
		return nil, err
	}
	b.count(func(s *Stats) { s.FetchedBytes += size })
	b.lru.Set(key, data, size)
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
	bs := s.b.blockSize
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
			s.idx, s.buf, s.have = idx, make([]byte, size), 0
		}
		n := copy(s.buf[s.have:], p)
		s.have += int64(n)
		off, p = off+int64(n), p[n:]
		if s.have == size {
			s.b.lru.Set(blockKey(s.r, idx), s.buf, size)
			s.b.count(func(st *Stats) { st.SpilledBlocks++ })
			s.buf = nil
		}
	}
}
