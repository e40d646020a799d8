package client

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
)

// List with AtMost returns a whole listing or ErrTooMany, whatever pageKey means
// and whether or not `total` comes: never a prefix.
func TestListAtMostIsWholeOrNothing(t *testing.T) {
	for _, paging := range []string{"offset", "page", "opaque"} {
		for _, noTotal := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/noTotal=%v", paging, noTotal), func(t *testing.T) {
				srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east"}, Paging: paging, NoTotal: noTotal})
				for i := range 450 {
					srv.Add("us-east", csstest.ObjectSpec{Type: "bounded", Created: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC), Size: 10})
				}
				q := Query{Filter: Eq("type", "bounded"), SortField: "createdTime", SortDirection: "ASC"}
				ctx := context.Background()
				for _, max := range []int{450, 1000} {
					q.AtMost = max
					objs, err := c.List(ctx, "us-east", q, 4)
					if err != nil || len(objs) != 450 {
						t.Fatalf("at most %d: %d objects, %v", max, len(objs), err)
					}
				}
				srv.ResetCounts()
				q.AtMost = 449
				objs, err := c.List(ctx, "us-east", q, 4)
				if !errors.Is(err, ErrTooMany) || objs != nil {
					t.Fatalf("at most 449 of 450: %d objects, %v; want ErrTooMany and nothing", len(objs), err)
				}
				if !noTotal && paging == "offset" {
					if n := srv.Count("search"); n != 1 {
						t.Errorf("with a total of 450 records, %d searches; want 1", n)
					}
				}
			})
		}
	}
}
