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
	maxSpan  int64 // blocks in one streamed request, at most
	recent   recentBlocks
	spans    spanSet // the streamed requests this reader wants (Blocks.mu)

	mu     sync.Mutex
	next   int64 // where a sequential reader would read next
	streak int64 // bytes read sequentially so far
	issued int64 // prefetches cover the blocks before this offset
	span   int64 // blocks the next streamed request asks for
}

// NewReader opens r for reading with prefetch up to maxAhead bytes ahead.
func (b *Blocks) NewReader(r Ref, maxAhead int64) *Reader {
	maxAhead = min(maxAhead, b.cfg.AheadBytes)
	// Several spans fit in the window, so that when one stream is slower
	// than the reader, the next ones are already on their way beside it.
	maxSpan := max(min(b.cfg.MaxSpan, maxAhead/spansPerWindow)/b.cfg.BlockSize, 1)
	return &Reader{b: b, r: r, maxAhead: maxAhead, maxSpan: maxSpan, span: minStreakBlocks, spans: spanSet{}}
}

// Close says the reader is done: the streamed requests that only it
// wanted stop, and the blocks it kept at hand may be reused.
func (rd *Reader) Close() {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	rd.b.release(rd.spans, nil)
	rd.recent.close()
}

// spansPerWindow is how many streamed requests a full readahead window
// holds: at most this many streams serve one reader at once.
const spansPerWindow = 4

// ReadAt reads like Blocks.ReadAt and prefetches for a sequential reader.
func (rd *Reader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	rd.readahead(off, int64(len(p)))
	return rd.b.readAt(ctx, rd.r, p, off, &rd.recent)
}

// ReadView is ReadAt without a copy where it can: see Blocks.readView.
// The slice it returns may be a cached block's, and must not be changed;
// call release once it is no longer read, so that the block's buffer can
// be reused (a view never released is only left to the GC). release may
// be called more than once.
func (rd *Reader) ReadView(ctx context.Context, p []byte, off int64) (v []byte, release func(), err error) {
	rd.readahead(off, int64(len(p)))
	v, k, err := rd.b.readView(ctx, rd.r, p, off, &rd.recent)
	if k == nil {
		return v, noRelease, err
	}
	return v, sync.OnceFunc(k.release), err
}

func noRelease() {}

// WarmEnds prefetches the first and last block, where header probes
// (ffprobe, sox) look.
func (rd *Reader) WarmEnds() {
	if rd.r.Size > 0 {
		rd.b.Prefetch(rd.r, 0)
		rd.b.Prefetch(rd.r, rd.b.NumBlocks(rd.r)-1)
	}
}

// How far a read may land from where a sequential reader would read next
// and still count as sequential, in blocks: the kernel sends its readahead
// (4 MiB windows, two at a time: cssfs raises read_ahead_kb) as parallel
// requests, which go-fuse serves in any order, so a read may arrive well
// behind others that were sent after it.
const (
	slackAhead  = 8
	slackBehind = 16
)

// minStreakBlocks is how much must be read in a row before anything is
// prefetched: header probes (ffprobe, sox) read a block or so and stop.
const minStreakBlocks = 2

// readahead prefetches as far ahead as the reader has read sequentially
// (so the window doubles while it keeps up), up to maxAhead. Reads arrive
// slightly out of order, so small jumps still count as sequential; a seek
// resets the streak. Nothing is prefetched until two blocks have been read
// in a row: header probes read a little and stop.
//
// The window is filled by streamed requests whose size doubles from two
// blocks to maxSpan while the reader stays sequential; a new one is sent
// only when a whole span fits in the window (or reaches the end), so a
// sequential read costs a few big requests, not one per block. While one
// stream keeps ahead of the reader, the next is sent only as the window
// moves on; when streams are slower than the reader, up to a window's
// worth run side by side.
func (rd *Reader) readahead(off, size int64) {
	bs := rd.b.cfg.BlockSize
	rd.mu.Lock()
	defer rd.mu.Unlock()
	// A read inside what was prefetched for this reader is the kernel's
	// own readahead running ahead of the rest, not a seek.
	if off <= max(rd.next+slackAhead*bs, rd.issued) && off+size >= rd.next-slackBehind*bs {
		rd.streak += size
		rd.next = max(rd.next, off+size)
	} else { // a seek: start over with one block at a time
		rd.streak, rd.next = size, off+size
		rd.issued, rd.span = 0, minStreakBlocks
		// The spans sent ahead are not wanted any more (unless the seek
		// landed in one): stop those no other reader wants.
		idx := off / bs
		rd.b.release(rd.spans, func(s *span) bool { return s.first <= idx && idx < s.end })
	}
	if len(rd.spans) > spansPerWindow {
		rd.b.release(rd.spans, func(*span) bool { return true }) // forget the ended ones
	}
	window := min(rd.streak, rd.maxAhead)
	if window < minStreakBlocks*bs {
		return
	}
	if rd.b.cfg.OnWindow != nil {
		rd.b.cfg.OnWindow(window)
	}
	end := min(rd.next+window, rd.r.Size)
	from := max(rd.issued, rd.next) / bs * bs
	for from < end {
		idx := from / bs
		n := rd.span
		if from+n*bs > end && from+n*bs < rd.r.Size {
			break // wait until a whole span fits
		}
		covered, sent := rd.b.prefetchSpan(rd.r, idx, n, rd.spans)
		if covered == 0 {
			// The budget is spent. When this reader holds little of it,
			// other readers hold the rest: ask for less next time (spans
			// grow again while they fit). Otherwise its own window is
			// full, and a later read finds room for a whole span.
			if rd.issued-rd.next < window/2 {
				rd.span = max(rd.span/2, minStreakBlocks)
			}
			break
		}
		from += covered * bs
		if sent {
			rd.span = min(rd.span*2, rd.maxSpan)
		}
	}
	rd.issued = max(rd.issued, from)
}

// recentCount is how many blocks a reader keeps at hand: a kernel read
// spans at most two, but the kernel's parallel readahead requests (8 MiB
// of them) arrive out of order, so the second half of a block may come
// well after its first, when ristretto may have dropped the block (its
// sets are asynchronous and may be refused). They are mostly the same
// slices ristretto holds, so keeping them costs little.
const recentCount = 16

// recentBlocks remembers the last few blocks one reader used, holding a
// reference to each until it is overwritten or the reader closes.
type recentBlocks struct {
	mu     sync.Mutex
	idx    [recentCount]int64
	blk    [recentCount]*block
	n      int  // next slot to overwrite
	closed bool // keeps nothing any more
}

// get returns block idx, if kept, with a reference for the caller.
func (rb *recentBlocks) get(idx int64) *block {
	if rb == nil {
		return nil
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	for i, k := range rb.blk {
		if k != nil && rb.idx[i] == idx && k.acquire() {
			return k
		}
	}
	return nil
}

// put keeps k (the caller keeps its own reference) as block idx.
func (rb *recentBlocks) put(idx int64, k *block) {
	if rb == nil {
		return
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if rb.closed {
		return
	}
	for i, kept := range rb.blk {
		if kept != nil && rb.idx[i] == idx {
			return
		}
	}
	if !k.acquire() {
		return // cannot be: the caller holds a reference
	}
	if old := rb.blk[rb.n]; old != nil {
		old.release()
	}
	rb.idx[rb.n], rb.blk[rb.n] = idx, k
	rb.n = (rb.n + 1) % len(rb.blk)
}

// close lets go of every block kept.
func (rb *recentBlocks) close() {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	for i, k := range rb.blk {
		if k != nil {
			k.release()
			rb.blk[i] = nil
		}
	}
	rb.closed = true
}
