package client

import (
	"context"
	"errors"
	"testing"

	"github.com/cssfs/cssfs/client/csstest"
)

func TestRestoreAndDelete(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"uk"}})
	ctx := context.Background()
	arch := srv.Add("uk", csstest.ObjectSpec{Type: "callrecording", State: csstest.StateArchived, Content: []byte("x")})
	if err := c.Restore(ctx, "uk", arch.ID, 11); err == nil {
		t.Error("expirationDays 11 accepted")
	}
	if err := c.Restore(ctx, "uk", arch.ID, 3); err != nil {
		t.Fatal(err)
	}
	if o, err := c.Object(ctx, "uk", arch.ID); err != nil || o.ObjectState != "AVAILABLE" {
		t.Errorf("after restore: %v %v", o.ObjectState, err)
	}
	if err := c.Restore(ctx, "uk", "missing", 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("restore of a missing object: %v", err)
	}
	a := srv.Add("uk", csstest.ObjectSpec{Type: "callrecording", Content: []byte("y")})
	if err := c.Delete(ctx, "uk", a.ID); err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Object(ctx, "uk", a.ID); o.ObjectState != "REVOKED" {
		t.Errorf("after delete: %s", o.ObjectState)
	}

	ro, c2, _ := newEmulator(t, csstest.Options{Regions: []string{"uk"}, ReadOnlyKey: true})
	b := ro.Add("uk", csstest.ObjectSpec{Type: "callrecording", Content: []byte("z")})
	if err := c2.Delete(ctx, "uk", b.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("delete with a read-only key: %v", err)
	}
}
