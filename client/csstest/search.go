package csstest

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// searchPage is the search response envelope (reference §4.2).
type searchPage struct {
	Content  []Object `json:"content"`
	PageKey  any      `json:"pageKey"` // int64, or a string token when Paging is "opaque"
	PageSize int64    `json:"pageSize"`
	LastPage bool     `json:"lastPage"`
	Total    *int64   `json:"total,omitempty"` // nil (absent) with Options.NoTotal
}

// searchParams are the validated query parameters of a search.
type searchParams struct {
	filter    string
	pageKey   string // raw: its meaning depends on Options.Paging
	limit     int64
	sortField string
	desc      bool
}

func (s *Server) parseSearchParams(r *http.Request) (searchParams, error) {
	q := query(r)
	p := searchParams{filter: q.Get("filter"), pageKey: q.Get("pageKey"), limit: 100, sortField: q.Get("sortField")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return p, fmt.Errorf("limit %q must be between 1 and 100", v)
		}
		if n > 100 {
			if s.opts.LimitAbove100 != "clamp" {
				return p, fmt.Errorf("limit %d must be between 1 and 100", n)
			}
			n = 100
		}
		p.limit = n
	}
	if p.sortField == "" {
		p.sortField = "createdTime"
	}
	switch strings.ToUpper(q.Get("sortDirection")) {
	case "", "ASC":
	case "DESC":
		p.desc = true
	default:
		return p, fmt.Errorf("sortDirection %q must be ASC or DESC", q.Get("sortDirection"))
	}
	return p, nil
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, rg *region) {
	p, err := s.parseSearchParams(r)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	start, err := s.pageStart(rg.name, p)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	page, total, err := s.searchPage(rg, p, start)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	objs, err := s.objects(rg, page)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	next, last := s.nextPageKey(rg.name, p, start, total)
	s.writeJSON(w, r, http.StatusOK, searchPage{
		Content:  objs,
		PageKey:  next,
		PageSize: int64(len(objs)),
		LastPage: last,
		Total:    s.total(total),
	}, true)
}

// searchPage is the page of the search p from start, and the total.
func (s *Server) searchPage(rg *region, p searchParams, start int64) ([]int32, int64, error) {
	if page, total, ok, err := s.indexedPage(rg, p.filter, p.sortField, p.desc, start, p.limit); ok || err != nil {
		return page, total, err
	}
	matches, err := s.search(rg, p.filter, p.sortField, p.desc)
	if err != nil {
		return nil, 0, err
	}
	total := int64(len(matches))
	return matches[min(start, total):min(start+p.limit, total)], total, nil
}

// search returns the handles matching filter in the requested order, using
// the cache so paging through one listing scans the store once.
func (s *Server) search(rg *region, filter, sortField string, desc bool) ([]int32, error) {
	var n node
	if strings.TrimSpace(filter) != "" {
		var err error
		if n, err = parseFilter(filter); err != nil {
			return nil, err
		}
	}
	rg.mu.RLock()
	defer rg.mu.RUnlock()
	key := searchKey{region: rg.name, version: rg.version, filter: filter, sortField: sortField, desc: desc}
	if hs, ok := s.cache.get(key); ok {
		return hs, nil
	}
	onlyAvailable := n == nil || !n.mentions("objectState")
	seq := rg.order
	if typ, ok := typeOf(n); ok {
		seq = rg.byType[typ]
	}
	lo, hi := narrow(rg, seq, n)
	s.scanned.Add(int64(hi - lo))
	var hs []int32
	f := fieldReader{s: s, rg: rg}
	for _, h := range seq[lo:hi] {
		if onlyAvailable && rg.recs[h].state != codeAvailable {
			continue
		}
		if n != nil {
			f.h, f.meta = h, nil
			if !f.eval(n) {
				continue
			}
		}
		hs = append(hs, h)
	}
	s.sortHandles(rg, hs, sortField, desc)
	s.cache.put(key, hs)
	return hs, nil
}

// topLevel is the conjuncts of n: its children if it is an AND.
func topLevel(n node) []node {
	switch n := n.(type) {
	case *andNode:
		return n.children
	case *comparison:
		return []node{n}
	}
	return nil
}

// typeOf is the type a top-level AND requires (type==X, X not a number,
// which compares as strings: exactly), so that a search scans that type's
// handles only (the filter is still evaluated in full).
func typeOf(n node) (string, bool) {
	for _, c := range topLevel(n) {
		if cmp, ok := c.(*comparison); ok && canonicalSelector(cmp.selector) == "type" && cmp.op == "==" && len(cmp.args) == 1 && !cmp.isNum[0] {
			return cmp.args[0], true
		}
	}
	return "", false
}

// narrow bounds the scan of seq (handles in rg.order's order) by the
// createdTime predicates of a top-level AND (conservatively: the filter is
// still evaluated in full).
func narrow(rg *region, seq []int32, n node) (int, int) {
	cs := topLevel(n)
	loSec, hiSec := int64(math.MinInt64), int64(math.MaxInt64)
	for _, c := range cs {
		cmp, ok := c.(*comparison)
		if !ok || cmp.selector != "createdTime" || len(cmp.args) != 1 || !cmp.isNum[0] {
			continue
		}
		ms := cmp.nums[0]
		if math.Abs(ms) > 1e17 {
			continue
		}
		floor, ceil := int64(math.Floor(ms/1000)), int64(math.Ceil(ms/1000))
		switch cmp.op {
		case "=gt=", "=ge=":
			loSec = max(loSec, floor)
		case "=lt=", "=le=":
			hiSec = min(hiSec, ceil)
		case "==":
			loSec, hiSec = max(loSec, floor), min(hiSec, ceil)
		}
	}
	lo, _ := slices.BinarySearchFunc(seq, loSec, func(h int32, t int64) int {
		return cmpInt(rg.recs[h].created, t)
	})
	hi := len(seq)
	if hiSec != math.MaxInt64 {
		hi, _ = slices.BinarySearchFunc(seq, hiSec+1, func(h int32, t int64) int {
			return cmpInt(rg.recs[h].created, t)
		})
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortHandles orders hs by sortField (numerically when both values are
// numbers), ties by id. The default, createdTime, is the store's own order.
func (s *Server) sortHandles(rg *region, hs []int32, sortField string, desc bool) {
	if sortField != "createdTime" {
		keys := make(map[int32]string, len(hs))
		f := fieldReader{s: s, rg: rg}
		for _, h := range hs {
			f.h, f.meta = h, nil
			keys[h], _ = f.field(sortField)
		}
		slices.SortStableFunc(hs, func(a, b int32) int {
			if c := compareValues(keys[a], keys[b]); c != 0 {
				return c
			}
			return strings.Compare(rg.idOf(a), rg.idOf(b))
		})
	}
	if desc {
		slices.Reverse(hs)
	}
}

// compareValues compares numerically when both parse as numbers.
func compareValues(a, b string) int {
	an, aok := parseNumber(a)
	bn, bok := parseNumber(b)
	if aok && bok {
		switch {
		case an < bn:
			return -1
		case an > bn:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}
