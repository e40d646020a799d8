package cache

import (
	"context"
	"errors"
)

// span is one streamed request (PrefetchSpan). The readers that want its
// blocks hold it; when the last of them lets go before it ends (each has
// sought elsewhere or closed the file), the request is cancelled, so that
// bytes nobody will read are not downloaded. Spans are shared: a reader
// whose window covers another reader's span holds it too.
type span struct {
	first, end int64 // its blocks, [first, end)
	cancel     context.CancelFunc
	held       int  // readers holding it (Blocks.mu)
	over       bool // the stream has ended (Blocks.mu)
	cancelled  bool // by release (Blocks.mu)
}

// errSpanCancelled is what the blocks of a cancelled span get (with
// errInSpan: a reader that wants one after all fetches it again).
var errSpanCancelled = errors.New("streamed range cancelled: no reader wanted the rest")

// spanSet is the spans one reader holds (Blocks.mu).
type spanSet map[*span]struct{}

// holdLocked records that the reader holding h wants s.
func (b *Blocks) holdLocked(h spanSet, s *span) {
	if h == nil || s == nil || s.over {
		return
	}
	if _, ok := h[s]; !ok {
		h[s] = struct{}{}
		s.held++
	}
}

// release lets go of the spans in h that keep does not want (all of them
// when keep is nil) and of every span that has ended. A span that nobody
// holds any more and is still streaming is cancelled.
func (b *Blocks) release(h spanSet, keep func(*span) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range h {
		if !s.over && keep != nil && keep(s) {
			continue
		}
		delete(h, s)
		s.held--
		if s.held == 0 && !s.over && !s.cancelled {
			s.cancelled = true
			b.stats.SpansCancelled++
			s.cancel()
		}
	}
}
