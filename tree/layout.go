package tree

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/naming"
)

// A level is one directory level of the layout: each of its directories is
// a FIQL predicate on top of its parent's.
type level int

const (
	levelType level = iota
	levelYear
	levelMonth
	levelDay
	levelDirection
	levelUser
)

// parseLayout reads a layout: "type/date", "date", "flat", or a path of
// levels among type, year, month, day, direction, user (date =
// year/month/day).
func parseLayout(s string) ([]level, error) {
	if s == "flat" {
		return nil, nil
	}
	var out []level
	for _, part := range strings.Split(s, "/") {
		switch part {
		case "type":
			out = append(out, levelType)
		case "date":
			out = append(out, levelYear, levelMonth, levelDay)
		case "year":
			out = append(out, levelYear)
		case "month":
			out = append(out, levelMonth)
		case "day":
			out = append(out, levelDay)
		case "direction":
			out = append(out, levelDirection)
		case "user":
			out = append(out, levelUser)
		default:
			return nil, fmt.Errorf("layout %q: unknown level %q (want type, date, year, month, day, direction, user, or flat)", s, part)
		}
	}
	return out, nil
}

// knownTypes are the object types the reference names; others are found by
// probing for objects of none of the known types.
var knownTypes = []string{
	"callrecording", "callcenterrecording", "callcentervoicemail", "voicemail",
	"voicecommentrecording", "screenrecording", "meeting", "transcription",
	"postcallsurvey", "agentnotes", "sentimentScore", "summary",
}

// scope is what one directory stands for.
type scope struct {
	region   string
	preds    []string  // FIQL predicates, all of which hold
	from, to time.Time // createdTime window [from, to); zero = open
	path     string    // the directory's path below its region, for inode numbers
}

func (s scope) filter() string {
	parts := slices.Clone(s.preds)
	if !s.from.IsZero() {
		parts = append(parts, client.Ge("createdTime", client.Millis(s.from)))
	}
	if !s.to.IsZero() {
		parts = append(parts, client.Lt("createdTime", client.Millis(s.to)))
	}
	return client.And(parts...)
}

func (s scope) child(name string) scope {
	c := s
	c.preds = slices.Clone(s.preds)
	c.path = s.path + "/" + name
	return c
}

// subdir is one directory found at a level.
type subdir struct {
	name  string
	scope scope
	mtime time.Time
}

// subdirs finds the non-empty directories of level lv below s.
func (t *Tree) subdirs(ctx context.Context, lv level, s scope) ([]subdir, error) {
	switch lv {
	case levelType:
		return t.valueDirs(ctx, s, valueLevels[levelType])
	case levelDirection:
		return t.valueDirs(ctx, s, valueLevels[levelDirection])
	case levelUser:
		return t.valueDirs(ctx, s, valueLevels[levelUser])
	case levelYear, levelMonth, levelDay:
		return t.timeDirs(ctx, s, lv)
	}
	return nil, fmt.Errorf("unknown level %d", lv)
}

// exists is the cheap probe: is there at least one object matching filter?
func (t *Tree) exists(ctx context.Context, region, filter string) (bool, error) {
	_, ok, err := t.api.First(ctx, region, client.Query{Filter: filter, Limit: 1})
	return ok, err
}

// valueLevel is a level whose directories are the values of one field.
type valueLevel struct {
	selector string                     // FIQL selector: a field or a tag key
	known    []string                   // values probed up front, in parallel
	value    func(client.Object) string // the object's value ("" = it has none)
}

var valueLevels = map[level]valueLevel{
	levelType:      {"type", knownTypes, func(o client.Object) string { return o.Type }},
	levelDirection: {"direction", []string{"INBOUND", "OUTBOUND"}, func(o client.Object) string { v, _ := o.Tag("direction"); return v }},
	levelUser:      {"userId", nil, func(o client.Object) string { return o.UserID }},
}

// noValue names the directory of objects that lack the level's field.
const noValue = "_none"

// maxProbedValues bounds the values found one probe at a time, so that a
// server which does not honour =out= cannot keep us probing for ever.
const maxProbedValues = 10_000

// valueDirs probes the known values in parallel, then asks for objects with
// none of the values seen so far until that comes back empty, so no value
// (and no object) is lost.
func (t *Tree) valueDirs(ctx context.Context, s scope, lv valueLevel) ([]subdir, error) {
	var mu sync.Mutex
	found := map[string]bool{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.cfg.Probes)
	for _, v := range lv.known {
		g.Go(func() error {
			ok, err := t.exists(gctx, s.region, client.And(s.filter(), client.Eq(lv.selector, v)))
			if ok {
				mu.Lock()
				found[v] = true
				mu.Unlock()
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	seen := slices.Clone(lv.known)
	missing := false // objects without the field: they match only =out=
	for range maxProbedValues {
		obj, ok, err := t.api.First(ctx, s.region, client.Query{Filter: client.And(s.filter(), client.Out(lv.selector, seen...)), Limit: 1})
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		v := lv.value(obj)
		if v == "" {
			missing = true // they keep answering this probe: stop here
			break
		}
		if slices.Contains(seen, v) {
			t.log.Warn("value probe returned an excluded value; stopping discovery", "region", s.region, "selector", lv.selector, "value", v)
			break
		}
		seen = append(seen, v)
		found[v] = true
	}
	// Values that make the same safe name ("a:b" and "a_b") are told apart
	// like objects are, so that neither hides the other.
	values := slices.Sorted(maps.Keys(found))
	want := make([]naming.Named, 0, len(values)+1)
	for _, v := range values {
		want = append(want, naming.Named{Name: naming.DirName(v, lv.selector), ID: v})
	}
	if missing {
		want = append(want, naming.Named{Name: noValue, ID: noValue})
	}
	names := naming.Unique(want)
	out := make([]subdir, 0, len(want))
	for i, name := range names {
		c := s.child(name)
		if i < len(values) {
			c.preds = append(c.preds, client.Eq(lv.selector, values[i]))
		} else {
			c.preds = append(c.preds, client.Out(lv.selector, seen...))
		}
		out = append(out, subdir{name: name, scope: c, mtime: t.mounted})
	}
	return out, nil
}

// period is how one time level divides time.
type period struct {
	format string                    // directory name format
	start  func(time.Time) time.Time // the start of the period holding t
	next   func(time.Time) time.Time // the start of the following period
}

var periods = map[level]period{
	levelYear: {"2006",
		func(t time.Time) time.Time { return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC) },
		func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	levelMonth: {"01",
		func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC) },
		func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
	levelDay: {"02",
		func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) },
		func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
}

// timeDirs finds the non-empty years, months or days of s's window. The
// window is cut into a few segments scanned in parallel; each scan asks
// for the earliest object at or after a point, so a probe lands straight
// on the next non-empty period and empty stretches cost nothing.
func (t *Tree) timeDirs(ctx context.Context, s scope, lv level) ([]subdir, error) {
	p := periods[lv]
	from, to := s.from, s.to
	if from.IsZero() || to.IsZero() {
		// Open window: bound it by the earliest and latest object.
		first, ok, err := t.api.First(ctx, s.region, client.Query{Filter: s.filter(), SortField: "createdTime", SortDirection: "ASC", Limit: 1})
		if err != nil || !ok {
			return nil, err
		}
		last, ok, err := t.api.First(ctx, s.region, client.Query{Filter: s.filter(), SortField: "createdTime", SortDirection: "DESC", Limit: 1})
		if err != nil || !ok {
			return nil, err
		}
		if from.IsZero() {
			from = first.CreatedTime.UTC()
		}
		if to.IsZero() {
			to = last.CreatedTime.UTC().Add(time.Millisecond)
		}
	}
	var starts []time.Time
	for t := p.start(from); t.Before(to); t = p.next(t) {
		starts = append(starts, t)
	}
	found := make([]bool, len(starts))
	segs := min(t.cfg.Probes, len(starts))
	g, gctx := errgroup.WithContext(ctx)
	for k := range segs {
		lo, hi := k*len(starts)/segs, (k+1)*len(starts)/segs
		g.Go(func() error { return t.scan(gctx, s, p, starts, lo, hi, from, to, found) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []subdir
	for i, start := range starts {
		if !found[i] {
			continue
		}
		name := start.Format(p.format)
		c := s.child(name)
		c.from, c.to = s.window(p, start)
		out = append(out, subdir{name: name, scope: c, mtime: start})
	}
	return out, nil
}

// scan marks the non-empty periods among starts[lo:hi], one probe per
// non-empty period plus one.
func (t *Tree) scan(ctx context.Context, s scope, p period, starts []time.Time, lo, hi int, from, to time.Time, found []bool) error {
	end := to
	if hi < len(starts) {
		end = starts[hi]
	}
	for i := lo; i < hi; {
		c := s
		c.from, c.to = maxTime(starts[i], from), end
		obj, ok, err := t.api.First(ctx, s.region, client.Query{Filter: c.filter(), SortField: "createdTime", SortDirection: "ASC", Limit: 1})
		if err != nil || !ok {
			return err
		}
		j := i
		for j < hi && !p.start(obj.CreatedTime.UTC()).Equal(starts[j]) {
			j++
		}
		if j == hi {
			// Its createdTime does not place it (unparseable, or the server
			// disagrees about zones): probe the rest one period at a time.
			t.log.Warn("probe returned an object outside the window asked for; probing period by period", "region", s.region, "id", obj.ID, "createdTime", obj.CreatedTime, "from", c.from, "to", c.to)
			return t.probeEach(ctx, s, p, starts, i, hi, from, to, found)
		}
		found[j] = true
		i = j + 1
	}
	return nil
}

// probeEach marks the non-empty periods among starts[lo:hi] with one
// existence probe each.
func (t *Tree) probeEach(ctx context.Context, s scope, p period, starts []time.Time, lo, hi int, from, to time.Time, found []bool) error {
	for k := lo; k < hi; k++ {
		c := s
		c.from, c.to = maxTime(starts[k], from), minTime(p.next(starts[k]), to)
		ok, err := t.exists(ctx, s.region, c.filter())
		if err != nil {
			return err
		}
		found[k] = ok
	}
	return nil
}

// window is the createdTime window of the period starting at start below
// s: the period, within s's own window. Not narrowed to the objects seen
// when s's window is open, so that objects created later (today's) fall
// in it when it is listed again.
func (s scope) window(p period, start time.Time) (from, to time.Time) {
	from, to = maxTime(start, s.from), p.next(start)
	if !s.to.IsZero() {
		to = minTime(to, s.to)
	}
	return from, to
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// isTime tells the levels that divide createdTime, whose directories can
// be derived from a listing of their parent's objects.
func (lv level) isTime() bool {
	_, ok := periods[lv]
	return ok
}
