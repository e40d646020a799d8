package tree

import (
	"context"
	"encoding/json"
	"io"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/naming"
)

// A listing is reused for the TTL and loaded again after it; periods that
// are over keep theirs twelve times as long.
func TestListingTTL(t *testing.T) {
	f := newFixture(t, csstest.Options{Regions: []string{"uk"}, Objects: 40}, Config{DirTTL: time.Minute})
	f.tree.periodBound = 0 // else loading the region lists the day afresh with it
	searches := func() int64 { return f.emu.Count("search") }
	ctx := context.Background()
	region := f.resolve("/uk")
	day := f.resolve(path.Dir(firstFile(f.byListing(region)).Path))
	for _, d := range []Entry{region, day} {
		f.tree.List(ctx, d)
	}
	cases := []struct {
		advance        time.Duration
		region, dayNew bool // whether each is loaded again
	}{
		{0, false, false},
		{59 * time.Second, false, false},
		{time.Second, true, false},       // a minute: the region again
		{10 * time.Minute, true, false},  // 11 min: a past day is still good
		{2 * time.Minute, true, true},    // 13 min: past 12 × the TTL
		{30 * time.Second, false, false}, // both fresh
	}
	for i, c := range cases {
		f.clock.Add(c.advance)
		for _, x := range []struct {
			d    Entry
			want bool
		}{{region, c.region}, {day, c.dayNew}} {
			before := searches()
			if _, err := f.tree.List(ctx, x.d); err != nil {
				t.Fatal(err)
			}
			if loaded := searches() > before; loaded != x.want {
				t.Errorf("step %d: %s loaded again: %v, want %v", i, x.d.Path, loaded, x.want)
			}
		}
	}
}

func firstFile(entries map[string]Entry) Entry {
	for _, p := range sortedPaths(entries) {
		if entries[p].Kind == File {
			return entries[p]
		}
	}
	return Entry{}
}

// Names are safe, distinct within a directory, and the same on every
// tree; so are inode numbers.
func TestNamesAndInodesAreStable(t *testing.T) {
	emu, err := csstest.New(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	a := newFixtureOn(t, emu, emu.Secret, Config{Sidecars: true})
	b := newFixtureOn(t, emu, emu.Secret, Config{Sidecars: true})
	first, second := a.byListing(a.tree.Root()), b.byWalk(b.tree.Root())
	for p, e := range first {
		if second[p].Attr.Ino != e.Attr.Ino {
			t.Errorf("%s: inode %d, then %d", p, e.Attr.Ino, second[p].Attr.Ino)
		}
		if len(e.Name) > naming.MaxBytes || strings.ContainsAny(e.Name, "/\x00") || e.Name == "" {
			t.Errorf("%q is not a usable name", e.Name)
		}
	}
	if len(first) != len(second) {
		t.Errorf("%d entries, then %d", len(first), len(second))
	}
	// The two objects that share a name both show, told apart by id.
	hard := emu.HardCases("us-east")
	x, y := filesByID(first)[hard["duplicate-a"]], filesByID(first)[hard["duplicate-b"]]
	if len(x) != 1 || len(y) != 1 || x[0].Name == y[0].Name || path.Dir(x[0].Path) != path.Dir(y[0].Path) {
		t.Errorf("duplicate names: %v and %v", x, y)
	}
	if e := filesByID(first)[hard["slash"]]; len(e) != 1 || e[0].Name != "team_sales_2023 review.wav" {
		t.Errorf("a name with slashes shows as %v", e)
	}
}

func TestSidecars(t *testing.T) {
	f := newFixture(t, tenant, Config{Sidecars: true, ShowArchived: true})
	ctx := context.Background()
	all := f.byListing(f.tree.Root())
	n := 0
	for _, e := range all {
		if e.Kind != Sidecar {
			continue
		}
		n++
		r, err := f.tree.Open(ctx, e)
		if err != nil {
			t.Fatalf("open %s: %v", e.Path, err)
		}
		data, err := io.ReadAll(r.Stream(ctx))
		var meta map[string]any
		if err != nil || json.Unmarshal(data, &meta) != nil || meta["id"] != e.ObjectID || meta["region"] != e.Region {
			t.Errorf("%s: %v, %s", e.Path, err, data)
		}
		if int64(len(data)) != e.Attr.Size || e.Attr.Mode != fileMode || e.Attr.Ino != sidecarIno(e.Region, e.ObjectID) {
			t.Errorf("%s: attributes %+v for %d bytes", e.Path, e.Attr, len(data))
		}
		if obj := all[strings.TrimSuffix(e.Path, sidecarSuffix)]; len(e.Name) <= naming.MaxBytes-len(sidecarSuffix) && obj.ObjectID != e.ObjectID {
			t.Errorf("%s stands beside nothing", e.Path)
		}
	}
	if files := len(filesByID(all)); n != files {
		t.Errorf("%d sidecars for %d files", n, files)
	}
}

func TestXattrs(t *testing.T) {
	f := newFixture(t, tenant, Config{})
	id := f.emu.HardCases("uk")["non-ascii"]
	e := f.resolve("/uk/.id/" + id)
	o, _ := f.emu.Object("uk", id)
	got := map[string]string{}
	xs, err := f.tree.Xattrs(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range xs {
		got[x.Name] = x.Value
	}
	for name, want := range map[string]string{
		"user.css.id": id, "user.css.type": o.Type, "user.css.mimeType": o.MimeType, "user.css.checksum": o.Checksum,
		"user.css.objectState": o.ObjectState, "user.css.bucketId": o.BucketID, "user.css.userId": o.UserID,
		"user.css.customerId": o.CustomerID, "user.css.region": "uk", "user.css.objectName": o.ObjectName,
		"user.css.tag.direction": "INBOUND",
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	if x, err := f.tree.Xattrs(context.Background(), f.resolve("/uk")); x != nil || err != nil {
		t.Errorf("a directory has xattrs %v", x)
	}
}
