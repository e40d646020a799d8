package csstest

import (
	"math"
	"slices"
	"strings"
	"sync"
)

// A search whose filter says no more than its type and a createdTime
// window, sorted by createdTime (the tree's probes and listings), is
// answered from the indexes alone: a binary search for the window in the
// type's handles, and counts of AVAILABLE handles up to each position for
// its total and the page's start. It costs O(log n + page) however many
// objects the type or the window holds; any other search scans (search).

// availCounts holds, per handle sequence (a type's, or "" for the
// region's order), how many of its first i handles are AVAILABLE. Built
// when first needed after a change of the region.
type availCounts struct {
	mu      sync.Mutex
	version uint64
	counts  map[string][]int32
}

// available is the counts of seq, the handles of typ ("" for all).
// Caller holds rg.mu (read).
func (rg *region) available(typ string, seq []int32) []int32 {
	a := &rg.avail
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.counts == nil || a.version != rg.version {
		a.counts, a.version = map[string][]int32{}, rg.version
	}
	if c, ok := a.counts[typ]; ok {
		return c
	}
	c := make([]int32, len(seq)+1)
	for i, h := range seq {
		c[i+1] = c[i]
		if rg.recs[h].state == codeAvailable {
			c[i+1]++
		}
	}
	a.counts[typ] = c
	return c
}

// indexedOnly reports whether the filter n selects exactly the AVAILABLE
// handles of typ ("" for any) within createdTime predicates that narrow
// can bound, and whether there are any of those.
func indexedOnly(n node, typ string) (ok, timed bool) {
	if n == nil {
		return true, false
	}
	switch n.(type) {
	case *andNode, *comparison:
	default:
		return false, false
	}
	for _, c := range topLevel(n) {
		cmp, ok := c.(*comparison)
		if !ok || len(cmp.args) != 1 {
			return false, false
		}
		switch {
		case canonicalSelector(cmp.selector) == "type" && cmp.op == "==" && !cmp.isNum[0] && cmp.args[0] == typ:
		case cmp.selector == "createdTime" && cmp.isNum[0] && math.Abs(cmp.nums[0]) <= 1e17 &&
			slices.Contains([]string{"==", "=gt=", "=ge=", "=lt=", "=le="}, cmp.op):
			timed = true
		default:
			return false, false
		}
	}
	return true, timed
}

// indexedPage answers the search for the page of limit matches from
// start from the indexes, with the total; false when the search needs a
// scan.
func (s *Server) indexedPage(rg *region, filter, sortField string, desc bool, start, limit int64) ([]int32, int64, bool, error) {
	if sortField != "createdTime" {
		return nil, 0, false, nil
	}
	n, err := parseFilterOrNil(filter)
	if err != nil {
		return nil, 0, false, err
	}
	rg.mu.RLock()
	defer rg.mu.RUnlock()
	seq, typ := rg.order, ""
	if t, ok := typeOf(n); ok {
		seq, typ = rg.byType[t], t
	}
	ok, timed := indexedOnly(n, typ)
	if !ok {
		return nil, 0, false, nil
	}
	lo, hi := narrow(rg, seq, n)
	// narrow rounds to whole seconds: drop the ends that the exact
	// predicates refuse (in createdTime order, only ends can).
	f := fieldReader{s: s, rg: rg}
	matches := func(h int32) bool {
		s.scanned.Add(1)
		f.h, f.meta = h, nil
		return f.eval(n)
	}
	for timed && lo < hi && !matches(seq[lo]) {
		lo++
	}
	for timed && hi > lo && !matches(seq[hi-1]) {
		hi--
	}
	counts := rg.available(typ, seq)
	total := int64(counts[hi] - counts[lo])
	from, to := min(start, total), min(start+limit, total)
	if desc {
		from, to = total-to, total-from
	}
	// the first match at or after position lo whose rank is from
	j, _ := slices.BinarySearch(counts[lo+1:hi+1], counts[lo]+int32(from)+1)
	j += lo
	hs := make([]int32, 0, to-from)
	for ; j < hi && int64(len(hs)) < to-from; j++ {
		if rg.recs[seq[j]].state == codeAvailable {
			hs = append(hs, seq[j])
		}
	}
	if desc {
		slices.Reverse(hs)
	}
	return hs, total, true, nil
}

func parseFilterOrNil(filter string) (node, error) {
	if strings.TrimSpace(filter) == "" {
		return nil, nil
	}
	return parseFilter(filter)
}
