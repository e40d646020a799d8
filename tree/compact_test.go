package tree

import (
	"context"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
)

// Every field of an object comes back from a file table as it went in:
// the entry's name, path, id, attributes and whole metadata, for odd
// names, ids that are not lowercase UUIDs, and times UnixNano cannot hold.
func TestFileTableRoundTrip(t *testing.T) {
	now := time.Date(2024, 3, 15, 10, 0, 0, 123_456_789, time.UTC)
	objs := []client.Object{
		{},
		{ID: "9984564e-557c-42bf-9b7c-40c7b909d489", Type: "callrecording", MimeType: "audio/wav", ObjectName: "a/b\x00é.wav",
			ChecksumType: "MD5", Checksum: "abc", CustomerID: "c", UserID: "u", BucketID: "b", ObjectState: client.StateAvailable,
			StoredBytes: 42, CreatedTime: now, UpdatedTime: now.Add(time.Second), Shared: true,
			Tags: []client.Tag{{Key: "direction", Value: "INBOUND"}, {Key: "", Value: ""}, {Key: "k", Value: string(make([]byte, 300))}}},
		{ID: "9984564E-557C-42BF-9B7C-40C7B909D489", ObjectState: "ARCHIVED", StoredBytes: -1, CreatedTime: now},
		{ID: "9984564e557c42bf9b7c40c7b909d489", MimeType: strings.Repeat("x", 200), ObjectState: client.StateAvailable},
		{ID: "not-a-uuid-but-36-characters-long-xx", CreatedTime: time.Date(1, 1, 1, 0, 0, 1, 5, time.UTC),
			UpdatedTime: time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC)},
		{ID: "zzzzzzzz-557c-42bf-9b7c-40c7b909d489", CreatedTime: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedTime: now},
		{ID: "", StoredBytes: 1 << 40, CreatedTime: now},
	}
	names := []string{"b", "", "a b\tc", "é\x01", strings.Repeat("n", 255), ".", "z"}
	var items []tableItem
	for i := range objs {
		items = append(items, tableItem{name: names[i], o: &objs[i]})
	}
	side := sidecarJSON("uk", &objs[1])
	items = append(items, tableItem{name: "b.meta.json", o: &objs[1], sidecar: side})
	ft := newFileTable("/uk/x", "uk", 1<<20, items)
	l := &Listing{files: ft}
	if l.Len() != len(items) {
		t.Fatalf("%d entries, want %d", l.Len(), len(items))
	}
	for i, o := range objs {
		e, ok := l.Lookup(names[i])
		if !ok {
			t.Fatalf("%q not found", names[i])
		}
		want := Entry{Name: names[i], Path: "/uk/x/" + names[i], Kind: File, Region: "uk", ObjectID: o.ID,
			Attr: fileAttr(inodeOf("uk", o.ID), &o, 1<<20), file: ft, at: e.at}
		if !reflect.DeepEqual(e, want) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, e, want)
		}
		got, ok := ft.object(int(e.at))
		if !ok || !reflect.DeepEqual(*got, o) {
			t.Errorf("object %d:\n got %+v\nwant %+v", i, got, o)
		}
		if e.Settled() != o.Available() {
			t.Errorf("entry %d settled %v", i, e.Settled())
		}
	}
	e, ok := l.Lookup("b.meta.json")
	if !ok || e.Kind != Sidecar || e.Attr.Size != int64(len(side)) || e.Attr.Ino != sidecarIno("uk", objs[1].ID) || e.Attr.Mode != fileMode {
		t.Errorf("sidecar %+v (%v)", e, ok)
	}
	if _, ok := l.Lookup("c"); ok {
		t.Error("found a name that is not there")
	}
	all := l.Entries()
	for i := 1; i < len(all); i++ {
		if all[i-1].Name >= all[i].Name {
			t.Errorf("entries out of order: %q before %q", all[i-1].Name, all[i].Name)
		}
	}
	ft.dropMeta()
	if _, ok := ft.object(0); ok {
		t.Error("metadata still there after it was dropped")
	}
	if e, _ := l.Lookup(names[1]); e.Attr != fileAttr(inodeOf("uk", objs[1].ID), &objs[1], 1<<20) {
		t.Errorf("attributes changed with the metadata dropped: %+v", e.Attr)
	}
}

// A file's entry costs about 100 bytes in a cached listing (names of the
// default templates, UUID ids), its full metadata a few hundred more
// until dropped.
func TestCompactEntryBytes(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 20_000, Regions: []string{"us-east"}, MultipartThreshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	f := newFixtureOn(t, emu, emu.Secret, Config{})
	objs, err := f.tree.api.List(context.Background(), "us-east", client.Query{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	const per = 100 // objects per listing, as a day holds
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	var ls []*Listing
	for i := 0; i+per <= len(objs); i += per {
		ls = append(ls, f.tree.fileListing("/us-east/callrecording/2024/03/01", "us-east", objs[i:i+per]))
	}
	full := heap()
	for _, l := range ls {
		l.files.dropMeta()
	}
	slim := heap()
	runtime.KeepAlive(objs) // measured with them held throughout
	n := float64(len(ls) * per)
	perEntry, perMeta := float64(slim-before)/n, float64(full-slim)/n
	t.Logf("%d entries: %.0f bytes an entry, %.0f more of metadata until dropped", int(n), perEntry, perMeta)
	if perEntry > 128 {
		t.Errorf("%.0f bytes an entry, want at most 128", perEntry)
	}
	runtime.KeepAlive(ls)
}

// Past the metadata bound, the oldest listings keep their entries but not
// their metadata, which is fetched again (once) when xattrs ask for it.
func TestDroppedMetadataIsFetchedAgain(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 3000, Regions: []string{"us-east"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	const month = "/us-east/callrecording/2023/03"
	f := newFixtureOn(t, emu, emu.Secret, Config{})
	f.tree.maxMeta = 1 // only the newest listing keeps its metadata
	ref := newFixtureOn(t, emu, emu.Secret, Config{})
	got := f.byWalk(f.resolve(month))
	want := ref.byWalk(ref.resolve(month))
	sameEntries(t, ref.tree, want, f.tree, got)
	dropped := 0
	for _, e := range got {
		if e.Kind != File {
			continue
		}
		if _, ok := e.file.object(int(e.at)); ok {
			continue
		}
		dropped++
		emu.ResetCounts()
		ctx := context.Background()
		gx, err := f.tree.Xattrs(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		wx, _ := ref.tree.Xattrs(ctx, want[e.Path])
		if !reflect.DeepEqual(gx, wx) {
			t.Errorf("%s: xattrs fetched again:\n got %v\nwant %v", e.Path, gx, wx)
		}
		f.tree.Xattrs(ctx, e)
		if n := emu.Count("object"); n != 1 {
			t.Errorf("%s: %d metadata requests for two xattr reads, want 1", e.Path, n)
		}
		if dropped > 3 {
			break
		}
	}
	if dropped == 0 {
		t.Error("no listing's metadata was dropped")
	}
	if r := &f.tree.retained; r.meta > max(f.tree.maxMeta, r.queue[len(r.queue)-1].meta) {
		t.Errorf("%d bytes of metadata kept", r.meta)
	}
}

// A sidecar whose listing's metadata was dropped reads the same JSON,
// from the metadata fetched again.
func TestSidecarAfterMetadataDropped(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 1000, Regions: []string{"us-east"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	const month = "/us-east/callrecording/2023/03"
	f := newFixtureOn(t, emu, emu.Secret, Config{Sidecars: true})
	f.tree.maxMeta = 1
	ref := newFixtureOn(t, emu, emu.Secret, Config{Sidecars: true})
	got, want := f.byWalk(f.resolve(month)), ref.byWalk(ref.resolve(month))
	sameEntries(t, ref.tree, want, f.tree, got)
	ctx := context.Background()
	read := func(tr *Tree, e Entry) string {
		r, err := tr.Open(ctx, e)
		if err != nil {
			t.Fatalf("open %s: %v", e.Path, err)
		}
		b, err := io.ReadAll(r.Stream(ctx))
		if err != nil {
			t.Fatalf("read %s: %v", e.Path, err)
		}
		return string(b)
	}
	checked := 0
	for p, e := range got {
		if e.Kind != Sidecar {
			continue
		}
		if _, ok := e.file.object(int(e.at)); ok {
			continue
		}
		if g, w := read(f.tree, e), read(ref.tree, want[p]); g != w || int64(len(g)) != e.Attr.Size {
			t.Errorf("%s: %d bytes (stat %d):\n%s\nwant:\n%s", p, len(g), e.Attr.Size, g, w)
		}
		if checked++; checked == 3 {
			break
		}
	}
	if checked == 0 {
		t.Error("no sidecar had its metadata dropped")
	}
}
