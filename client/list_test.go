package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestListParallelPaging(t *testing.T) {
	for _, total := range []string{"none", "records", "pages"} {
		for _, n := range []int{0, 1, 99, 100, 101, 245, 1000, 6401, 10_000} {
			var calls atomic.Int32
			h := pagedHandler(t, n, total != "none", func(key int64, page map[string]string) {
				if total == "pages" {
					page["total"] = fmt.Sprint((n + 99) / 100)
				}
			})
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1); h(w, r) })
			c, _ := newTestClient(t, f.srv.URL)
			got, err := c.List(context.Background(), "us-east", Query{}, 4)
			if err != nil || len(got) != n {
				t.Fatalf("total=%s n=%d: %d objects, %v", total, n, len(got), err)
			}
			for i, o := range got {
				if o.ID != fmt.Sprintf("o%d", i) {
					t.Fatalf("total=%s n=%d: object %d is %s", total, n, i, o.ID)
				}
			}
			// With a total, no page past the end is asked for; without one,
			// at most one batch of speculative pages is.
			pages := int32(max((n+99)/100, 1))
			extra := int32(0)
			if total == "none" {
				extra = 3
			}
			if c := calls.Load(); c < pages || c > pages+extra {
				t.Errorf("total=%s n=%d: %d search requests, want %d..%d", total, n, c, pages, pages+extra)
			}
		}
	}
}

func TestListRefusesRepeatingPages(t *testing.T) {
	// A server that ignores pageKey returns the first page forever.
	f := newFake(t, pagedHandler(t, 1000, false, func(key int64, page map[string]string) {
		page["content"] = `[{"id":"a"},{"id":"b"}]`
		page["lastPage"] = "false"
	}))
	c, _ := newTestClient(t, f.srv.URL)
	if _, err := c.List(context.Background(), "us-east", Query{}, 4); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
}

// pagingScheme is one meaning a server may give pageKey (reference §6): it
// maps a request's pageKey to the record offset served, and an offset to
// the JSON pageKey of the page after it.
type pagingScheme struct {
	name  string
	start func(key string, limit int) (int, bool)
	next  func(off, limit int) string
}

var pagingSchemes = []pagingScheme{
	{"offset", func(k string, _ int) (int, bool) { n, err := strconv.Atoi(k); return n, err == nil },
		func(off, limit int) string { return strconv.Itoa(off + limit) }},
	{"offset as string", func(k string, _ int) (int, bool) { n, err := strconv.Atoi(k); return n, err == nil },
		func(off, limit int) string { return strconv.Quote(strconv.Itoa(off + limit)) }},
	{"page from 0", func(k string, limit int) (int, bool) { n, err := strconv.Atoi(k); return n * limit, err == nil },
		func(off, limit int) string { return strconv.Itoa(off/limit + 1) }},
	{"page from 1", func(k string, limit int) (int, bool) {
		n, err := strconv.Atoi(k)
		return (max(n, 1) - 1) * limit, err == nil
	}, func(off, limit int) string { return strconv.Itoa(off/limit + 2) }},
	{"opaque", func(k string, _ int) (int, bool) {
		if k == "0" {
			return 0, true
		}
		b, err := base64.RawURLEncoding.DecodeString(k)
		n, ok := strings.CutPrefix(string(b), "offset:")
		off, err2 := strconv.Atoi(n)
		return off, err == nil && ok && err2 == nil
	}, func(off, limit int) string {
		return strconv.Quote(base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(off+limit))))
	}},
}

// schemeHandler serves n objects o0..o(n-1) paged by sc; total is "none",
// "records" or "pages". Unknown pageKeys answer 400, as a real server would.
func schemeHandler(sc pagingScheme, n int, total string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		off, ok := sc.start(r.URL.Query().Get("pageKey"), limit)
		if !ok || limit < 1 {
			http.Error(w, `{"message":"bad pageKey"}`, http.StatusBadRequest)
			return
		}
		var items []string
		for i := off; i < off+limit && i < n; i++ {
			items = append(items, fmt.Sprintf(`{"id":"o%d"}`, i))
		}
		body := fmt.Sprintf(`{"content":[%s],"pageKey":%s,"pageSize":%d,"lastPage":%v`,
			strings.Join(items, ","), sc.next(off, limit), len(items), off+limit >= n)
		switch total {
		case "records":
			body += fmt.Sprintf(`,"total":%d`, n)
		case "pages":
			body += fmt.Sprintf(`,"total":%d`, (n+limit-1)/limit)
		}
		writeJSON(w, body+"}")
	}
}

// Whatever pageKey means, a listing holds every object once, in order; only
// a server whose answers confirm offsets is asked for pages in parallel.
func TestListFollowsEveryPagingScheme(t *testing.T) {
	for _, sc := range pagingSchemes {
		for _, total := range []string{"none", "records", "pages"} {
			for _, n := range []int{0, 1, 100, 101, 450} {
				for _, parallel := range []int{1, 16} {
					var calls atomic.Int32
					h := schemeHandler(sc, n, total)
					f := newFake(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1); h(w, r) })
					c, _ := newTestClient(t, f.srv.URL)
					name := fmt.Sprintf("%s total=%s n=%d parallel=%d", sc.name, total, n, parallel)
					got, err := c.List(context.Background(), "us-east", Query{}, parallel)
					if err != nil || len(got) != n {
						t.Fatalf("%s: %d objects, %v", name, len(got), err)
					}
					for i, o := range got {
						if o.ID != fmt.Sprintf("o%d", i) {
							t.Fatalf("%s: object %d is %s", name, i, o.ID)
						}
					}
					pages := int32(max((n+99)/100, 1))
					sequential := !strings.HasPrefix(sc.name, "offset") || parallel == 1
					if c := calls.Load(); (sequential && c != pages) || c < pages || c > pages+int32(parallel) {
						t.Errorf("%s: %d search requests for %d pages", name, c, pages)
					}
				}
			}
		}
	}
}

// A probe follows empty pages a token-paged server may send before the
// first match, so a level is never taken for empty while it has objects.
func TestFirstFollowsEmptyTokenPages(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("pageKey") {
		case "0":
			writeJSON(w, `{"content":[],"pageKey":"t1","lastPage":false}`)
		case "t1":
			writeJSON(w, `{"content":[],"pageKey":"t2","lastPage":false}`)
		case "t2":
			writeJSON(w, `{"content":[{"id":"found"}],"pageKey":"t3","lastPage":false}`)
		default:
			http.Error(w, "bad key", http.StatusBadRequest)
		}
	})
	c, _ := newTestClient(t, f.srv.URL)
	o, ok, err := c.First(context.Background(), "us-east", Query{})
	if err != nil || !ok || o.ID != "found" {
		t.Fatalf("First = %q %v %v", o.ID, ok, err)
	}
	// t3 answers 400: a listing that cannot go on fails, whole.
	all, err := c.List(context.Background(), "us-east", Query{}, 16)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || all != nil {
		t.Fatalf("List = %d objects, %v; want the 400 as an error", len(all), err)
	}
}

// Answers that cannot be followed safely fail the listing with
// ErrBadResponse rather than shortening it.
func TestListNeverShortensSilently(t *testing.T) {
	page := func(ids, key string, last bool) string {
		return fmt.Sprintf(`{"content":[%s],"pageKey":%s,"lastPage":%v}`, ids, key, last)
	}
	cases := map[string]func(key string) string{
		"pageKey repeats the request": func(key string) string { return page(`{"id":"a"}`, `"0"`, false) },
		"pageKeys cycle": func(key string) string {
			next := map[string]string{"0": `"A"`, "A": `"B"`, "B": `"A"`}[key]
			return page(fmt.Sprintf(`{"id":"x%s"}`, key), next, false)
		},
		"no pageKey on a page that is not last": func(key string) string { return `{"content":[{"id":"a"}],"lastPage":false}` },
		"a page repeats earlier records": func(key string) string {
			return page(`{"id":"a"},{"id":"b"}`, strconv.Quote(key+"x"), false)
		},
		"offsets confirmed, then a page number": func(key string) string {
			if key == "0" {
				return page(`{"id":"a"}`, "1", false) // limit 1 below: 0+1 confirms offsets
			}
			return page(fmt.Sprintf(`{"id":"b%s"}`, key), "1", false)
		},
		"endless empty pages": func(key string) string { return page("", strconv.Quote(key+"x"), false) },
	}
	for name, answer := range cases {
		for _, parallel := range []int{1, 16} {
			var calls atomic.Int32
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) > 100 {
					http.Error(w, "too many calls", http.StatusBadRequest)
					return
				}
				writeJSON(w, answer(r.URL.Query().Get("pageKey")))
			})
			c, _ := newTestClient(t, f.srv.URL)
			got, err := c.List(context.Background(), "us-east", Query{Limit: 1}, parallel)
			if !errors.Is(err, ErrBadResponse) || got != nil {
				t.Errorf("%s, parallel=%d: %d objects, %v; want ErrBadResponse", name, parallel, len(got), err)
			}
			if calls.Load() > 20 {
				t.Errorf("%s, parallel=%d: %d calls before giving up", name, parallel, calls.Load())
			}
		}
	}
}
