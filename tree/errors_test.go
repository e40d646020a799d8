package tree

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
)

// Each failure comes back as the tree's own kind of error, which is all a
// front end needs to act on.
func TestErrors(t *testing.T) {
	f := newFixture(t, tenant, Config{ShowArchived: true, Sidecars: true})
	ctx := context.Background()
	hard := f.emu.HardCases("uk")
	file := f.resolve("/uk/.id/" + hard["slash"])
	archived := f.resolve("/uk/.id/" + hard["archived"])
	available := f.resolve("/uk/.id/" + hard["non-ascii"])
	cases := []struct {
		what string
		err  func() error
		want error
	}{
		{"a region that is not there", func() error { _, err := f.tree.Resolve(ctx, "/nowhere"); return err }, ErrNotFound},
		{"a type that is not there", func() error { _, err := f.tree.Resolve(ctx, "/uk/nosuchtype/2023"); return err }, ErrNotFound},
		{"a name below a file", func() error { _, err := f.tree.Resolve(ctx, file.Path+"/x"); return err }, ErrNotDir},
		{"listing a file", func() error { _, err := f.tree.List(ctx, file); return err }, ErrNotDir},
		{"walking a file", func() error { return f.tree.Walk(ctx, file, nil) }, ErrNotDir},
		{"opening a directory", func() error { _, err := f.tree.Open(ctx, f.resolve("/uk")); return err }, ErrIsDir},
		{"opening an archived object", func() error { _, err := f.tree.Open(ctx, archived); return err }, ErrNotReadable},
		{"an invalid filter", func() error { _, err := f.tree.Resolve(ctx, "/uk/.filter/direction=="); return err }, ErrInvalidFilter},
		{"restoring an available object", func() error { return f.tree.Restore(ctx, available, 3) }, ErrNotArchived},
		{"restoring for 11 days", func() error { return f.tree.Restore(ctx, archived, 11) }, ErrInvalidArgument},
		{"restoring a directory", func() error { return f.tree.Restore(ctx, f.resolve("/uk"), 3) }, ErrReadOnly},
		{"deleting without AllowDelete", func() error { _, err := f.tree.Delete(ctx, f.resolve("/uk"), "x"); return err }, ErrReadOnly},
	}
	for _, c := range cases {
		if err := c.err(); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		}
	}
	_, err := f.tree.Open(ctx, archived)
	if !strings.Contains(err.Error(), "setfattr -n user.css.restore") {
		t.Errorf("the error for an archived object does not say how to restore it: %v", err)
	}
}

// An object removed after it was listed reads as not found.
func TestReadOfARemovedObject(t *testing.T) {
	f := newFixture(t, tenant, Config{})
	ctx := context.Background()
	e := f.resolve("/uk/.id/" + f.emu.HardCases("uk")["non-ascii"])
	r, err := f.tree.Open(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	f.emu.Remove("uk", e.ObjectID)
	if _, err := r.ReadAt(ctx, make([]byte, 100), 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("read of a removed object: %v, want ErrNotFound", err)
	}
}

func TestAccessDenied(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Regions: []string{"uk"}, Objects: 10, ReadOnlyKey: true})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	api, _ := client.New(client.Config{BaseURL: emu.URL, Key: emu.Key, Secret: "wrong"})
	if _, err := New(context.Background(), api, nil, Config{}); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("a wrong secret: %v, want ErrAccessDenied", err)
	}
	f := newFixtureOn(t, emu, emu.Secret, Config{ShowArchived: true, AllowDelete: true})
	archived := f.resolve("/uk/.id/" + emu.HardCases("uk")["archived"])
	if err := f.tree.Restore(context.Background(), archived, 3); !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "no edit access") {
		t.Errorf("restore with a read-only key: %v, want ErrAccessDenied", err)
	}
}

func TestRestoreAndRefresh(t *testing.T) {
	f := newFixture(t, tenant, Config{ShowArchived: true})
	ctx := context.Background()
	e := f.resolve("/uk/.id/" + f.emu.HardCases("uk")["archived"])
	if e.Settled() || e.Attr.Mode != unreadableMode {
		t.Fatalf("an archived object: settled %v, mode %v", e.Settled(), e.Attr.Mode)
	}
	if err := f.tree.Restore(ctx, e, 3); err != nil {
		t.Fatal(err)
	}
	e, err := f.tree.Refresh(ctx, e)
	if err != nil || !e.Settled() || e.Attr.Mode != fileMode {
		t.Errorf("after restore: %v, settled %v, mode %v", err, e.Settled(), e.Attr.Mode)
	}
	if _, err := f.tree.Open(ctx, e); err != nil {
		t.Errorf("open after restore: %v", err)
	}
}

// Delete takes the file out of its directory at once; sidecars, and
// objects reached by .id, cannot be deleted.
func TestDelete(t *testing.T) {
	f := newFixture(t, tenant, Config{AllowDelete: true, Sidecars: true})
	ctx := context.Background()
	victim := firstFile(f.byListing(f.resolve("/us-east")))
	dirPath := victim.Path[:strings.LastIndex(victim.Path, "/")]
	d := f.resolve(dirPath)
	if _, err := f.tree.Delete(ctx, d, victim.Name+sidecarSuffix); !errors.Is(err, ErrNotPermitted) {
		t.Errorf("deleting a sidecar: %v, want ErrNotPermitted", err)
	}
	if _, err := f.tree.Delete(ctx, f.resolve("/us-east/.id"), victim.ObjectID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting through .id: %v, want ErrNotFound", err)
	}
	e, err := f.tree.Delete(ctx, d, victim.Name)
	if err != nil || e.ObjectID != victim.ObjectID {
		t.Fatalf("delete: %v, %+v", err, e)
	}
	if _, ok := mustList(t, f, d).Lookup(victim.Name); ok {
		t.Errorf("the deleted file is still listed")
	}
	if o, _ := f.emu.Object("us-east", victim.ObjectID); o.ObjectState != csstest.StateRevoked {
		t.Errorf("object state after delete: %s", o.ObjectState)
	}
}

func mustList(t *testing.T, f *fixture, d Entry) *Listing {
	t.Helper()
	l, err := f.tree.List(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// liar is an API whose one object has metadata that cannot be trusted.
type liar struct{ obj client.Object }

func (l liar) Regions(context.Context) ([]string, error) { return []string{"uk"}, nil }
func (l liar) List(context.Context, string, client.Query, int) ([]client.Object, error) {
	return []client.Object{l.obj}, nil
}
func (l liar) First(context.Context, string, client.Query) (client.Object, bool, error) {
	return l.obj, true, nil
}
func (l liar) Object(context.Context, string, string) (client.Object, error) { return l.obj, nil }
func (l liar) Restore(context.Context, string, string, int) error            { return nil }
func (l liar) Delete(context.Context, string, ...string) error               { return nil }

// Metadata that lies gets sane attributes, and a size we cannot trust is
// never read.
func TestLyingMetadata(t *testing.T) {
	blocks, _ := cache.NewBlocks(nil, cache.BlockConfig{BlockSize: 4096})
	defer blocks.Close()
	api := liar{client.Object{ID: "x", ObjectName: "x.wav", StoredBytes: -1, ObjectState: client.StateAvailable}}
	tr, err := New(context.Background(), api, blocks, Config{Layout: "flat"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := tr.Resolve(context.Background(), "/uk/x.wav")
	if err != nil {
		t.Fatal(err)
	}
	if a := e.Attr; a.Size != 0 || !a.Mtime.Equal(time.Unix(0, 0)) || a.Mode != fileMode || a.BlockSize != 4096 {
		t.Errorf("attributes of an object without size or time: %+v", a)
	}
	if _, err := tr.Open(context.Background(), e); !errors.Is(err, ErrUnverifiable) {
		t.Errorf("open of an object without a size: %v, want ErrUnverifiable", err)
	}
	// Objects without a createdTime cannot be placed by it: a walk lists
	// directory by directory instead.
	var out = map[string]primed{}
	if tr.split(dir{scope: scope{region: "uk"}, levels: []level{levelYear}}, []client.Object{api.obj}, out) {
		t.Errorf("an object without createdTime was placed")
	}
}
