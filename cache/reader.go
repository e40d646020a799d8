package cache

import (
	"context"
	"sync"
)

// Reader reads one open object. It keeps the last few blocks it used, since
// the kernel's reads do not line up with blocks and ristretto may refuse
// or drop a block between two halves of it, and it prefetches ahead of a
// sequential reader.
type Reader struct {
	b        *Blocks
	r        Ref
	maxAhead int64
	recent   recentBlocks

	mu     sync.Mutex
	next   int64 // where a sequential reader would read next
	streak int64 // bytes read sequentially so far
}

// NewReader opens r for reading with prefetch up to maxAhead bytes ahead.
func (b *Blocks) NewReader(r Ref, maxAhead int64) *Reader {
	return &Reader{b: b, r: r, maxAhead: min(maxAhead, b.cfg.AheadBytes)}
}

// ReadAt reads like Blocks.ReadAt and prefetches for a sequential reader.
func (rd *Reader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	rd.readahead(off, int64(len(p)))
	return rd.b.readAt(ctx, rd.r, p, off, &rd.recent)
}

// WarmEnds prefetches the first and last block, where header probes
// (ffprobe, sox) look.
func (rd *Reader) WarmEnds() {
	if rd.r.Size > 0 {
		rd.b.Prefetch(rd.r, 0)
		rd.b.Prefetch(rd.r, rd.b.NumBlocks(rd.r)-1)
	}
}

// How far a read may land from where a sequential reader would read next
// and still count as sequential, in blocks: the kernel sends readahead
// requests in parallel, so they arrive a little out of order.
const (
	slackAhead  = 2
	slackBehind = 4
)

// minStreakBlocks is how much must be read in a row before anything is
// prefetched: header probes (ffprobe, sox) read a block or so and stop.
const minStreakBlocks = 2

// readahead prefetches as far ahead as the reader has read sequentially
// (so the window doubles while it keeps up), up to maxAhead. Reads arrive
// slightly out of order, so small jumps still count as sequential; a seek
// resets the streak. Nothing is prefetched until two blocks have been read
// in a row: header probes read a little and stop.
func (rd *Reader) readahead(off, size int64) {
	bs := rd.b.cfg.BlockSize
	rd.mu.Lock()
	if off <= rd.next+slackAhead*bs && off+size >= rd.next-slackBehind*bs {
		rd.streak += size
		rd.next = max(rd.next, off+size)
	} else {
		rd.streak, rd.next = size, off+size
	}
	from, window := rd.next, min(rd.streak, rd.maxAhead)
	rd.mu.Unlock()
	if window < minStreakBlocks*bs {
		return
	}
	if rd.b.cfg.OnWindow != nil {
		rd.b.cfg.OnWindow(window)
	}
	for idx := from / bs; idx*bs < from+window && idx < rd.b.NumBlocks(rd.r); idx++ {
		rd.b.Prefetch(rd.r, idx)
	}
}

// recentCount is how many blocks a reader keeps at hand: a kernel read
// spans at most two, and parallel readahead requests touch a few more.
const recentCount = 4

// recentBlocks remembers the last few blocks one reader used.
type recentBlocks struct {
	mu   sync.Mutex
	idx  [recentCount]int64
	data [recentCount][]byte
	n    int // next slot to overwrite
}

func (rb *recentBlocks) get(idx int64) []byte {
	if rb == nil {
		return nil
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	for i, d := range rb.data {
		if d != nil && rb.idx[i] == idx {
			return d
		}
	}
	return nil
}

func (rb *recentBlocks) put(idx int64, data []byte) {
	if rb == nil {
		return
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	for i, d := range rb.data {
		if d != nil && rb.idx[i] == idx {
			return
		}
	}
	rb.idx[rb.n], rb.data[rb.n] = idx, data
	rb.n = (rb.n + 1) % len(rb.data)
}
