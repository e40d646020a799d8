package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// pagedHandler serves n objects with offset paging; tweak adjusts each page.
func pagedHandler(t *testing.T, n int, withTotal bool, tweak func(key int64, page map[string]string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Header.Get("Accept") != "application/json" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers: %v", r.Header)
		}
		key, _ := strconv.ParseInt(q.Get("pageKey"), 10, 64)
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit < 1 || limit > 100 {
			t.Errorf("limit %d", limit)
		}
		var items []string
		for i := key; i < key+int64(limit) && i < int64(n); i++ {
			items = append(items, fmt.Sprintf(`{"id":"o%d","storedBytes":"%d"}`, i, i))
		}
		page := map[string]string{
			"content":  "[" + strings.Join(items, ",") + "]",
			"pageKey":  fmt.Sprint(key + int64(limit)),
			"pageSize": fmt.Sprint(len(items)),
			"lastPage": fmt.Sprint(key+int64(limit) >= int64(n)),
		}
		if withTotal {
			page["total"] = fmt.Sprintf("%q", fmt.Sprint(n))
		}
		if tweak != nil {
			tweak(key, page)
		}
		var fields []string
		for k, v := range page {
			if v != "" {
				fields = append(fields, fmt.Sprintf("%q:%s", k, v))
			}
		}
		writeJSON(w, "{"+strings.Join(fields, ",")+"}")
	}
}

func collect(c *Client, q Query) ([]Object, error) {
	return c.List(context.Background(), "us-east", q, 1)
}

func TestSearchPaging(t *testing.T) {
	for _, n := range []int{0, 1, 99, 100, 101, 245} {
		f := newFake(t, pagedHandler(t, n, false, nil))
		c, _ := newTestClient(t, f.srv.URL)
		got, err := collect(c, Query{})
		if err != nil || len(got) != n {
			t.Fatalf("n=%d: got %d objects, %v", n, len(got), err)
		}
		for i, o := range got {
			if o.ID != fmt.Sprintf("o%d", i) || o.StoredBytes != int64(i) {
				t.Fatalf("n=%d: object %d = %+v", n, i, o)
			}
		}
	}
}

func TestSearchDefences(t *testing.T) {
	var calls atomic.Int32
	// An empty page past a confirmed offset: the end, even unmarked.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, `{"content":[],"pageKey":100,"lastPage":false}`)
	})
	c, _ := newTestClient(t, f.srv.URL)
	if got, err := collect(c, Query{}); err != nil || len(got) != 0 || calls.Load() != 1 {
		t.Fatalf("empty non-last page: %d objects, %v, %d calls", len(got), err, calls.Load())
	}
	// A pageKey that does not advance: an error, not a loop or a short list.
	f = newFake(t, pagedHandler(t, 300, false, func(key int64, page map[string]string) { page["pageKey"] = "0" }))
	c, _ = newTestClient(t, f.srv.URL)
	if got, err := collect(c, Query{}); !errors.Is(err, ErrBadResponse) || got != nil {
		t.Fatalf("stuck pageKey: %d objects, %v", len(got), err)
	}
}

func TestSearchRequestEncoding(t *testing.T) {
	var raw atomic.Value
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		raw.Store(r.URL.RawQuery)
		q := r.URL.Query()
		want := And(Eq("type", "callrecording"), Eq("address", "+1 (555)"), Ge("createdTime", "1"))
		if q.Get("filter") != want || q.Get("sortField") != "createdTime" || q.Get("sortDirection") != "DESC" ||
			q.Get("pageKey") != "0" || q.Get("limit") != "1" {
			t.Errorf("query %v", q)
		}
		writeJSON(w, `{"content":[{"id":"first"}],"lastPage":false,"pageKey":1}`)
	})
	c, _ := newTestClient(t, f.srv.URL)
	o, ok, err := c.First(context.Background(), "us-east", Query{
		Filter:    And(Eq("type", "callrecording"), Eq("address", "+1 (555)"), Ge("createdTime", "1")),
		SortField: "createdTime", SortDirection: "DESC", Limit: 50,
	})
	if err != nil || !ok || o.ID != "first" {
		t.Fatalf("First: %+v %v %v", o, ok, err)
	}
	if s, _ := raw.Load().(string); strings.ContainsAny(s, ";+ ()\"") {
		t.Errorf("query not encoded: %s", s)
	}
	if _, err := c.SearchPage(context.Background(), "us-east", Query{Limit: -1}, firstPageKey); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestRegionsFallsBackOn404(t *testing.T) {
	var asked []string
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		region := strings.Split(r.URL.Path, "/")[2]
		asked = append(asked, region)
		if region != "uk" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		writeJSON(w, `["us-east","uk"]`)
	})
	c, _ := newTestClient(t, f.srv.URL)
	got, err := c.Regions(context.Background())
	if err != nil || strings.Join(got, ",") != "us-east,uk" {
		t.Fatalf("got %v, %v", got, err)
	}
	if strings.Join(asked, ",") != "us-west,us-east,uk" {
		t.Errorf("asked %v", asked)
	}
}
