package tree

import (
	"context"
	"errors"
	"fmt"

	"github.com/cssfs/cssfs/client"
)

// periodBound is the most objects a directory whose remaining levels all
// divide time is listed with at once, its subdirectories' listings
// derived from that one search. Past it the directory is probed level by
// level as before: the search stops there, so a large period wastes at
// most periodBound/100 pages (one, when the server sends a record total),
// while most periods (a type's year, a month) cost about one search per
// 100 objects instead of a probe and a search per day.
const periodBound = 10_000

// loadPeriod lists the time-divided directory d and everything below it
// with one paged search of at most t.periodBound objects, caches the
// listings of the directories below, and returns d's. It reports false
// when d is not such a directory, holds too many objects, or holds one
// that cannot be placed by its createdTime: d is then probed instead.
func (t *Tree) loadPeriod(ctx context.Context, d Entry) (*Listing, bool, error) {
	if t.periodBound <= 0 || d.d().kind != kindLayout || len(d.d().levels) == 0 || !splittable(d.d().levels) {
		return nil, false, nil
	}
	s := d.d().scope
	q := client.Query{Filter: s.filter(), SortField: "createdTime", SortDirection: "ASC", AtMost: t.periodBound}
	objs, err := t.api.List(ctx, s.region, q, t.listParallel())
	switch {
	case errors.Is(err, client.ErrTooMany):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("listing %s: %w", d.Path, apiError(err))
	}
	out := map[string]primed{}
	if !t.split(d.d(), objs, out) {
		t.log.Debug("objects of a period cannot all be placed by createdTime; probing it", "path", d.Path)
		return nil, false, nil
	}
	own := out[d.Path]
	delete(out, d.Path) // the caller's load stores it
	for path, p := range out {
		t.listings.Put(path, p.listing, p.ttl)
		t.retain(path, p.listing)
	}
	return own.listing, true, nil
}

// splittable reports whether split can divide objects into levels: time
// levels, below at most one type level (a region, or a year above types).
// Other value levels are tags an object may lack, where a listing would
// too often be fetched in vain.
func splittable(levels []level) bool {
	if len(levels) > 0 && levels[0] == levelType {
		levels = levels[1:]
	}
	return onlyTime(levels)
}

// onlyTime reports whether every level divides createdTime.
func onlyTime(levels []level) bool {
	for _, lv := range levels {
		if !lv.isTime() {
			return false
		}
	}
	return true
}
