package tree

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/naming"
)

// Walk calls fn with the directory d and what it holds, then does the same
// for each directory below it, depth first in name order. Each directory
// is listed once, and files come with everything needed to open them.
//
// Below a directory whose remaining levels all divide time (year, month,
// day), every object will be visited, so the whole subtree is listed with
// one paged search and divided by createdTime here, instead of probing
// each level and searching each day.
func (t *Tree) Walk(ctx context.Context, d Entry, fn func(dir Entry, entries []Entry) error) error {
	if d.Kind != Dir {
		return fmt.Errorf("%s: %w", d.Path, ErrNotDir)
	}
	return t.walk(ctx, d, fn, false)
}

// walk is Walk below a directory that tried priming (tried), whose
// descendants need not try again: either it worked and their listings are
// cached, or it would fail for them too.
func (t *Tree) walk(ctx context.Context, d Entry, fn func(dir Entry, entries []Entry) error, tried bool) error {
	if !tried {
		tried = t.prime(ctx, d)
	}
	l, err := t.List(ctx, d)
	if err != nil {
		return err
	}
	if err := fn(d, l.Entries()); err != nil {
		return err
	}
	for _, e := range l.Entries() {
		if e.IsDir() {
			if err := t.walk(ctx, e, fn, tried); err != nil {
				return err
			}
		}
	}
	return nil
}

// prime fills the listing cache for d and every directory below it from
// one search, when only time levels remain below d and its listing is not
// cached already; it reports whether it tried. When an object cannot be
// placed by its createdTime (it has none, or the service placed it outside
// d's window) nothing is cached, and the walk lists directory by directory
// as the mount does.
func (t *Tree) prime(ctx context.Context, d Entry) (tried bool) {
	if d.d().kind != kindLayout || len(d.d().levels) == 0 || t.listings.Fresh(d.Path) {
		return false
	}
	if !onlyTime(d.d().levels) {
		return false
	}
	s := d.d().scope
	q := client.Query{Filter: s.filter(), SortField: "createdTime", SortDirection: "ASC"}
	objs, err := t.api.List(ctx, s.region, q, t.listParallel())
	if err != nil {
		t.log.Debug("listing a subtree at once failed; listing it directory by directory", "path", d.Path, "err", err)
		return true
	}
	out := map[string]primed{}
	if !t.split(d.d(), objs, out) {
		t.log.Debug("objects of a subtree cannot all be placed by createdTime; listing it directory by directory", "path", d.Path)
		return true
	}
	for path, p := range out {
		t.listings.Put(path, p.listing, p.ttl)
		t.retain(path, p.listing)
	}
	return true
}

// primed is a listing derived from an ancestor's objects.
type primed struct {
	listing *Listing
	ttl     time.Duration
}

// split divides objs, the objects below d, into d's listing and those of
// the directories below it, as listing each would have: the same
// directories (non-empty periods), windows, names and times. It reports
// false when an object cannot be placed.
func (t *Tree) split(d dir, objs []client.Object, out map[string]primed) bool {
	path := d.path()
	if len(d.levels) == 0 {
		out[path] = primed{t.fileListing(path, d.scope.region, objs), t.ttl(d)}
		return true
	}
	if d.levels[0] == levelType {
		return t.splitValues(d, valueLevels[levelType], objs, out)
	}
	p := periods[d.levels[0]]
	from, to := d.scope.from, d.scope.to
	for _, o := range objs {
		c := o.CreatedTime.UTC()
		if o.CreatedTime.IsZero() {
			return false
		}
		if d.scope.from.IsZero() && (from.IsZero() || c.Before(from)) {
			from = c // an open window is bounded by the earliest object...
		}
		if d.scope.to.IsZero() && (to.IsZero() || !c.Before(to)) {
			to = c.Add(time.Millisecond) // ...and the latest (createdTime has millisecond precision)
		}
	}
	groups := map[time.Time][]client.Object{}
	var starts []time.Time
	for _, o := range objs {
		c := o.CreatedTime.UTC()
		if c.Before(from) || !c.Before(to) {
			return false
		}
		start := p.start(c)
		if _, ok := groups[start]; !ok {
			starts = append(starts, start)
		}
		groups[start] = append(groups[start], o)
	}
	subs := make([]subdir, 0, len(starts))
	for _, start := range starts {
		name := start.Format(p.format)
		c := d.scope.child(name)
		c.from, c.to = d.scope.window(p, start)
		subs = append(subs, subdir{name: name, scope: c, mtime: start})
	}
	out[path] = primed{t.dirListing(d, subs), t.ttl(d)}
	for i, sd := range subs {
		child := dir{scope: sd.scope, levels: d.levels[1:], mtime: sd.mtime}
		if !t.split(child, groups[starts[i]], out) {
			return false
		}
	}
	return true
}

// splitValues divides objs, the objects below d, by the value of lv, as
// valueDirs finds them by probing: one directory per value, named alike.
// It reports false when an object has no value (probing then stops
// discovery, in the order the service sends them) or one that FIQL could
// compare as a number (the service may match "0123" to "123"): probing
// alone lists those.
func (t *Tree) splitValues(d dir, lv valueLevel, objs []client.Object, out map[string]primed) bool {
	groups := map[string][]client.Object{}
	for _, o := range objs {
		v := lv.value(o)
		if v == "" {
			return false
		}
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return false
		}
		groups[v] = append(groups[v], o)
	}
	values := slices.Sorted(maps.Keys(groups))
	want := make([]naming.Named, len(values))
	for i, v := range values {
		want[i] = naming.Named{Name: naming.DirName(v, lv.selector), ID: v}
	}
	names := naming.Unique(want)
	subs := make([]subdir, len(values))
	for i, v := range values {
		c := d.scope.child(names[i])
		c.preds = append(c.preds, client.Eq(lv.selector, v))
		subs[i] = subdir{name: names[i], scope: c, mtime: t.mounted}
	}
	out[d.path()] = primed{t.dirListing(d, subs), t.ttl(d)}
	for i, sd := range subs {
		child := dir{scope: sd.scope, levels: d.levels[1:], mtime: sd.mtime}
		if !t.split(child, groups[values[i]], out) {
			return false
		}
	}
	return true
}
