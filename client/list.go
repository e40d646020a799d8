package client

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// maxListPages bounds one listing (10 million records at 100 a page), so a
// server that never says lastPage cannot keep us paging forever.
const maxListPages = 100_000

// List returns every object matching q. Page offsets are known in advance
// (pageKey is a record offset), so after the first page it fetches up to
// parallel pages at once. The server's `total` only sizes the first batch;
// the end is still found by lastPage or an empty page, never by `total`.
// Objects are returned once each, in the server's order.
func (c *Client) List(ctx context.Context, region string, q Query, parallel int) ([]Object, error) {
	parallel = max(parallel, 1)
	limit := q.Limit
	if limit <= 0 || limit > maxLimit {
		limit = maxLimit
	}
	q.Limit = limit
	first, err := c.SearchPage(ctx, region, q, 0)
	if err != nil {
		return nil, err
	}
	var out []Object
	seen := map[string]bool{}
	add := func(objs []Object) (added int) {
		for _, o := range objs {
			if !seen[o.ID] {
				seen[o.ID] = true
				out = append(out, o)
				added++
			}
		}
		return added
	}
	add(first.Objects)
	if first.LastPage || len(first.Objects) == 0 {
		return out, nil
	}
	next := first.NextPageKey
	if next <= 0 {
		next = int64(limit)
	}
	batch := min(pagesLeft(first, limit, parallel), maxListPages)
	for pages := 1; pages < maxListPages; pages += batch {
		got := make([]*Page, batch)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(parallel)
		for i := range got {
			g.Go(func() error {
				p, err := c.SearchPage(gctx, region, q, next+int64(i*limit))
				got[i] = p
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		for _, p := range got {
			if add(p.Objects) == 0 && !p.LastPage && len(p.Objects) > 0 {
				return nil, &APIError{Op: "search", Region: region, Err: ErrBadResponse,
					detail: fmt.Sprintf("page at offset %d repeats earlier records", next)}
			}
			if p.LastPage || len(p.Objects) == 0 {
				return out, nil
			}
		}
		next += int64(batch * limit)
		batch = parallel
	}
	return nil, &APIError{Op: "search", Region: region, Err: ErrBadResponse,
		detail: fmt.Sprintf("no last page after %d pages", maxListPages)}
}

// pagesLeft estimates the pages after the first from `total`, which the
// reference documents as a page count but may be a record count: a total
// no larger than the first page cannot be records, since more follow.
func pagesLeft(first *Page, limit, parallel int) int {
	switch {
	case first.Total < 0:
		return parallel // unknown: as many as we fetch at once
	case first.Total <= int64(len(first.Objects)):
		return int(max(first.Total-1, 1))
	default:
		left := first.Total - int64(len(first.Objects))
		return int(max((left+int64(limit)-1)/int64(limit), 1))
	}
}
