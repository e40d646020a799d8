package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

func TestListParallelPaging(t *testing.T) {
	for _, total := range []string{"none", "records", "pages"} {
		for _, n := range []int{0, 1, 99, 100, 101, 245, 1000} {
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
