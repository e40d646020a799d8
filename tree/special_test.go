package tree

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"

	"github.com/cssfs/cssfs/client/csstest"
)

func TestFilterDirectory(t *testing.T) {
	f := newFixture(t, tenant, Config{})
	ctx := context.Background()
	expr := "type==callrecording;direction==INBOUND"
	var want []string
	for id, o := range f.available("us-east") {
		if d, _ := o.Tag("direction"); o.Type == "callrecording" && d == "INBOUND" {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		t.Fatal("the tenant has no inbound call recordings")
	}
	tree := f.byListing(f.resolve("/us-east"))
	byID := filesByID(tree)
	var got []string
	for _, e := range f.list("/us-east/.filter/" + expr) {
		got = append(got, e.ObjectID)
		if orig := byID[e.ObjectID]; len(orig) != 1 || orig[0].Attr != e.Attr {
			t.Errorf("%s: attributes differ from the same object in the tree", e.Path)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf(".filter/%s lists %d objects, want %d", expr, len(got), len(want))
	}
	if _, err := f.tree.Resolve(ctx, "/us-east/.filter/type==("); !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("an invalid expression: %v, want ErrInvalidFilter", err)
	}
	// .filter and .id list nothing, and no listing shows them.
	for _, p := range []string{"/us-east/.filter", "/us-east/.id"} {
		if n := len(f.list(p)); n != 0 {
			t.Errorf("%s lists %d entries", p, n)
		}
		if _, ok := tree[p]; ok {
			t.Errorf("%s is listed", p)
		}
	}
}

func TestIDDirectory(t *testing.T) {
	f := newFixture(t, tenant, Config{})
	ctx := context.Background()
	byID := filesByID(f.byListing(f.resolve("/uk")))
	var id string
	for i := range byID {
		id = i
		break
	}
	f.emu.ResetCounts()
	e := f.resolve("/uk/.id/" + id)
	if n := f.emu.Count("object") + f.emu.Count("metadata") + f.emu.Count("search"); n != 1 {
		t.Errorf("an .id lookup made %d requests, want 1", n)
	}
	if e.Kind != File || e.ObjectID != id || e.Attr != byID[id][0].Attr || e.Path != "/uk/.id/"+id {
		t.Errorf(".id entry %+v differs from the object in the tree %+v", e, byID[id][0])
	}
	if _, err := f.tree.Resolve(ctx, "/uk/.id/no-such-object"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown id: %v, want ErrNotFound", err)
	}
}

// Special names are answered in region directories only.
func TestSpecialNamesOnlyInRegions(t *testing.T) {
	f := newFixture(t, csstest.Options{Regions: []string{"uk"}, Objects: 20}, Config{})
	for _, p := range []string{"/.filter", "/uk/callrecording/.filter", "/uk/callrecording/.id"} {
		if _, err := f.tree.Resolve(context.Background(), p); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", p, err)
		}
	}
}
