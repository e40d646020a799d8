package client

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sync/errgroup"
)

const (
	// maxListPages bounds one listing (10 million records at 100 a page), so a
	// server that never says lastPage cannot keep us paging forever.
	maxListPages = 100_000
	// maxBatch bounds one parallel batch, which `total` sizes:
	// a total that lies must not cost thousands of calls.
	maxBatch = 64
	// maxEmptyPages is how many empty pages in a row a listing follows before
	// it gives up: token-paged stores may answer an empty page that is not
	// the last, but not forever.
	maxEmptyPages = 8
)

// List returns every object matching q, once each, in the server's order,
// or an error: never a silently short listing.
//
// It follows the pageKey each answer returns, since what pageKey means is
// not settled (reference §6): a record offset (today's docs), a page number
// (the older spec) or an opaque token. Only once an answer has confirmed
// offsets (its pageKey == the request's + limit) does it fetch up to
// parallel pages at once at computed offsets, checking every answer still
// agrees. `total` is never relied on: it only sizes the first parallel batch.
//
// With q.AtMost > 0 it gives up with ErrTooMany once the search has shown
// more than that many objects, returning none of them. A first page whose
// `total` exceeds AtMost as a record count stops it at once: a total that
// is really a page count is smaller, so a misreading only costs pages.
func (c *Client) List(ctx context.Context, region string, q Query, parallel int) ([]Object, error) {
	w := c.newWalk(region, q)
	key := firstPageKey
	for {
		p, err := w.fetch(ctx, key)
		if err != nil {
			return nil, err
		}
		if err := w.take(key, p); err != nil {
			return nil, err
		}
		if w.max > 0 && key == firstPageKey && p.Total > int64(w.max) && !p.LastPage {
			return nil, ErrTooMany
		}
		next, done, err := w.next(ctx, key, p)
		if err != nil {
			return nil, err
		}
		if done {
			return w.objs, nil
		}
		if w.offsets && parallel > 1 {
			from, _ := parseInteger(next)
			if err := w.parallel(ctx, from, pagesLeft(p, w.limit), parallel); err != nil {
				return nil, err
			}
			return w.objs, nil
		}
		key = next
	}
}

// ErrTooMany is List's answer for a search that matches more objects than
// Query.AtMost: nothing is returned, not even a prefix.
var ErrTooMany = errors.New("css: more objects than asked for")

// walk is the state of one listing: what was asked, what came back, and
// what the server's answers have shown pageKey to mean.
type walk struct {
	c       *Client
	region  string
	q       Query
	limit   int
	objs    []Object
	seen    map[string]bool // object ids taken
	asked   map[string]bool // pageKeys requested
	pages   int
	empties int  // empty pages in a row
	offsets bool // an answer confirmed pageKey is a record offset
	max     int  // > 0: give up with ErrTooMany past this many objects
}

func (c *Client) newWalk(region string, q Query) *walk {
	if q.Limit <= 0 || q.Limit > maxLimit {
		q.Limit = maxLimit
	}
	return &walk{c: c, region: region, q: q, limit: q.Limit, max: q.AtMost, seen: map[string]bool{}, asked: map[string]bool{}}
}

// fetch asks for the page at key (sequential use only).
func (w *walk) fetch(ctx context.Context, key string) (*Page, error) {
	if err := w.count(1); err != nil {
		return nil, err
	}
	w.asked[key] = true
	return w.c.SearchPage(ctx, w.region, w.q, key)
}

func (w *walk) count(pages int) error {
	w.pages += pages
	if w.pages > maxListPages {
		return w.fail("no last page after %d pages", maxListPages)
	}
	return nil
}

// take keeps p's objects not seen before. A page of nothing but objects
// already taken means the server ignored or misread our pageKey: going on
// would loop or, worse, hide the records we never got.
func (w *walk) take(key string, p *Page) error {
	added := 0
	for _, o := range p.Objects {
		if !w.seen[o.ID] {
			w.seen[o.ID] = true
			w.objs = append(w.objs, o)
			added++
		}
	}
	if added == 0 && len(p.Objects) > 0 {
		return w.fail("the page at pageKey %q repeats earlier records", key)
	}
	if w.max > 0 && len(w.objs) > w.max {
		return ErrTooMany
	}
	return nil
}

// next decides what follows page p, fetched at key: the end, the pageKey
// to ask for next, or an error when the answer cannot be followed safely.
func (w *walk) next(ctx context.Context, key string, p *Page) (string, bool, error) {
	if p.LastPage {
		return "", true, nil
	}
	if isOffsetStep(key, p.NextKey, w.limit) {
		w.offsets = true
	} else if w.offsets {
		return "", false, w.fail("pageKey %q after %q: the server stopped counting records", p.NextKey, key)
	}
	if len(p.Objects) == 0 {
		if w.offsets {
			// Past the last record: the end, though the server did not say so.
			w.c.log.WarnContext(ctx, "css search: empty page not marked last; taking it as the end",
				"region", w.region, "pageKey", key)
			return "", true, nil
		}
		if w.empties++; w.empties > maxEmptyPages {
			return "", false, w.fail("%d empty pages in a row, none marked last", w.empties)
		}
	} else {
		w.empties = 0
	}
	switch {
	case p.NextKey == "":
		return "", false, w.fail("the page at pageKey %q is not the last but names no next pageKey", key)
	case w.asked[p.NextKey]:
		return "", false, w.fail("pageKey %q was asked for before: the listing would loop", p.NextKey)
	}
	return p.NextKey, false, nil
}

// parallel fetches the pages from record offset from on, up to parallel at
// once, in batches of at most maxBatch. While the hint (pages the
// first answer's total promised) lasts, a batch asks for what it promises,
// so that a listing whose total is right asks for no page past its end;
// past it, batches double from the last one up to parallel, so that a
// listing without a usable total wastes few calls past its end. Every
// answer must still carry the offset of the page after it.
func (w *walk) parallel(ctx context.Context, from int64, hint, parallel int) error {
	batch := min(hint, maxBatch)
	for {
		if err := w.count(batch); err != nil {
			return err
		}
		got := make([]*Page, batch)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(parallel)
		for i := range got {
			g.Go(func() error {
				p, err := w.c.SearchPage(gctx, w.region, w.q, offsetKey(from, i, w.limit))
				got[i] = p
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		for i, p := range got {
			key := offsetKey(from, i, w.limit)
			if err := w.take(key, p); err != nil {
				return err
			}
			if p.LastPage || len(p.Objects) == 0 {
				return nil // an empty page past the end needs no lastPage
			}
			if !isOffsetStep(key, p.NextKey, w.limit) {
				return w.fail("pageKey %q after %q: the server stopped counting records", p.NextKey, key)
			}
		}
		from += int64(batch * w.limit)
		if hint -= batch; hint > 0 {
			batch = min(hint, maxBatch)
		} else {
			batch = max(min(batch*2, parallel), 1)
		}
	}
}

func offsetKey(from int64, i, limit int) string {
	return strconv.FormatInt(from+int64(i*limit), 10)
}

// isOffsetStep reports whether next is key + limit, both integers: the
// answer of a server whose pageKey is a record offset.
func isOffsetStep(key, next string, limit int) bool {
	k, ok1 := parseInteger(key)
	n, ok2 := parseInteger(next)
	return ok1 && ok2 && n == k+int64(limit)
}

func (w *walk) fail(format string, args ...any) error {
	return &APIError{Op: "search", Region: w.region, Err: ErrBadResponse, detail: fmt.Sprintf(format, args...)}
}

// pagesLeft is how many pages `total` promises after the first, which the
// reference documents as a page count but may be a record count or absent:
// a hint, never the end. A total no larger than the first page cannot be
// records, since more follow. Without one, start at two pages.
func pagesLeft(first *Page, limit int) int {
	switch {
	case first.Total < 0:
		return 2
	case first.Total <= int64(len(first.Objects)):
		return int(min(max(first.Total-1, 1), maxListPages))
	default:
		left := first.Total - int64(len(first.Objects))
		return int(min(max((left+int64(limit)-1)/int64(limit), 1), maxListPages))
	}
}
