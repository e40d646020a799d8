package client

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cssfs/cssfs/client/csstest"
)

// Each answer gets the sentinel its call gives it, so that callers never
// need a status code.
func TestKindsByCall(t *testing.T) {
	cases := []struct {
		status       int
		search, rest error // the sentinel of a search, and of a restore, answered with status
	}{
		{http.StatusBadRequest, ErrInvalidFilter, ErrNotArchived},
		{http.StatusMethodNotAllowed, ErrInvalidFilter, ErrNotArchived},
		{http.StatusUnprocessableEntity, ErrInvalidFilter, ErrNotArchived},
		{http.StatusForbidden, ErrForbidden, ErrForbidden},
		{http.StatusNotFound, ErrNotFound, ErrNotFound},
	}
	for _, tc := range cases {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
		})
		c, _ := newTestClient(t, f.srv.URL)
		ctx := context.Background()
		if _, err := c.SearchPage(ctx, "uk", Query{Filter: "type=="}, firstPageKey); !errors.Is(err, tc.search) {
			t.Errorf("search answered %d: %v, want %v", tc.status, err, tc.search)
		}
		if err := c.Restore(ctx, "uk", "x", 3); !errors.Is(err, tc.rest) {
			t.Errorf("restore answered %d: %v, want %v", tc.status, err, tc.rest)
		}
	}
}

func TestKindsFromTheEmulator(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"uk"}})
	ctx := context.Background()
	if _, _, err := c.First(ctx, "uk", Query{Filter: "type==("}); !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("search with a broken filter: %v, want ErrInvalidFilter", err)
	}
	if _, err := c.List(ctx, "uk", Query{Filter: "type==("}, 2); !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("listing with a broken filter: %v, want ErrInvalidFilter", err)
	}
	o := srv.Add("uk", csstest.ObjectSpec{Type: "callrecording", Content: []byte("y")})
	if err := c.Restore(ctx, "uk", o.ID, 3); !errors.Is(err, ErrNotArchived) {
		t.Errorf("restore of an available object: %v, want ErrNotArchived", err)
	}
	if _, err := New(Config{Key: "k"}); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("New without a secret: %v, want ErrNoCredentials", err)
	}
}

func TestObjectAvailable(t *testing.T) {
	for state, want := range map[string]bool{StateAvailable: true, StateArchived: false, StatePending: false, "": false, "available": false} {
		if got := (Object{ObjectState: state}).Available(); got != want {
			t.Errorf("Available() of %q = %v", state, got)
		}
	}
}
