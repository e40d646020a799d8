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

// readahead prefetches as far ahead as the reader has read sequentially
// (so the window doubles while it keeps up), up to maxAhead. Reads arrive
// slightly out of order, so small jumps still count as sequential; a seek
// resets the streak. Nothing is prefetched until two blocks have been read
// in a row: header probes read a little and stop.
func (rd *Reader) readahead(off, size int64) {
	bs := rd.b.cfg.BlockSize
	rd.mu.Lock()
	if off <= rd.next+2*bs && off+size >= rd.next-4*bs {
		rd.streak += size
		rd.next = max(rd.next, off+size)
	} else {
		rd.streak, rd.next = size, off+size
	}
	from, window := rd.next, min(rd.streak, rd.maxAhead)
	rd.mu.Unlock()
	if window < 2*bs {
		return
	}
	if rd.b.cfg.OnWindow != nil {
		rd.b.cfg.OnWindow(window)
	}
	for idx := from / bs; idx*bs < from+window && idx < rd.b.NumBlocks(rd.r); idx++ {
		rd.b.Prefetch(rd.r, idx)
	}
}

// recentBlocks remembers the last few blocks one reader used.
type recentBlocks struct {
	mu   sync.Mutex
	idx  [4]int64
	data [4][]byte
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
