//go:build !windows

package fusefs

import (
	"context"
	"syscall"
	"testing"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/tree"
)

// newTestRoot builds the node tree over an emulator without mounting it:
// NewNodeFS connects the root so that nodes can make children.
func newTestRoot(t *testing.T, cfg tree.Config) (*rootNode, *csstest.Server) {
	t.Helper()
	emu, err := csstest.New(csstest.Options{Regions: []string{"uk"}, Seed: 7, Objects: 60})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	root := newRoot(newTestTree(t, emu, cfg), Options{UID: 1234, GID: 5678})
	gofs.NewNodeFS(root, &gofs.Options{})
	return root, emu
}

// newTestTree opens the tree of an emulator's tenant.
func newTestTree(t *testing.T, emu *csstest.Server, cfg tree.Config) *tree.Tree {
	t.Helper()
	api, err := client.New(client.Config{BaseURL: emu.URL, Key: emu.Key, Secret: emu.Secret})
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := cache.NewBlocks(api, cache.BlockConfig{BlockSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(blocks.Close)
	tr, err := tree.New(context.Background(), api, blocks, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// lookup walks names from the root, as the kernel's lookups would: the
// regions are the root's children from the start, the rest is looked up.
func lookup(t *testing.T, root *rootNode, region string, names ...string) (gofs.InodeEmbedder, fuse.EntryOut) {
	t.Helper()
	r := root.GetChild(region)
	if r == nil {
		t.Fatalf("no region %s", region)
	}
	n := r.Operations()
	var out fuse.EntryOut
	for _, name := range names {
		child, errno := n.(gofs.NodeLookuper).Lookup(context.Background(), name, &out)
		if errno != 0 {
			t.Fatalf("lookup %s: %v", name, errno)
		}
		n = child.Operations()
	}
	return n, out
}

// readdir opens d, reads every name and closes it again.
func readdir(t *testing.T, d *dirNode) ([]string, uint32) {
	t.Helper()
	ctx := context.Background()
	fh, flags, errno := d.OpendirHandle(ctx, 0)
	if errno != 0 {
		t.Fatalf("opendir: %v", errno)
	}
	h := fh.(*dirHandle)
	defer h.Releasedir(ctx, 0)
	var names []string
	for {
		e, errno := h.Readdirent(ctx)
		if errno != 0 {
			t.Fatalf("readdirent: %v", errno)
		}
		if e == nil {
			return names, flags
		}
		names = append(names, e.Name)
	}
}

// The kernel may keep a directory's entries across opens while its
// listing is unchanged, and is told to drop them when it has changed.
func TestOpendirCachesWhileTheListingLasts(t *testing.T) {
	root, emu := newTestRoot(t, tree.Config{AllowDelete: true})
	var objs []csstest.Object
	for _, o := range emu.Objects("uk") {
		if o.Type == "callrecording" && o.ObjectState == csstest.StateAvailable {
			objs = append(objs, o)
		}
	}
	o := objs[0]
	node, _ := lookup(t, root, "uk", "callrecording", o.Created().Format("2006"), o.Created().Format("01"), o.Created().Format("02"))
	day := node.(*dirNode)
	first, flags := readdir(t, day)
	if flags&fuse.FOPEN_CACHE_DIR == 0 {
		t.Errorf("first opendir: flags %#x, want FOPEN_CACHE_DIR", flags)
	}
	if again, flags := readdir(t, day); flags&fuse.FOPEN_CACHE_DIR == 0 || len(again) != len(first) {
		t.Errorf("unchanged listing: flags %#x, %d entries", flags, len(again))
	}
	// rm -r: a process reading the directory may not delete from it.
	ctx := context.Background()
	fh, _, _ := day.OpendirHandle(ctx, 0)
	if errno := day.Unlink(ctx, first[0]); errno != syscall.EPERM {
		t.Errorf("unlink while reading the directory: %v, want EPERM", errno)
	}
	fh.(*dirHandle).Releasedir(ctx, 0)
	if errno := day.Unlink(ctx, first[0]); errno != 0 {
		t.Fatalf("unlink: %v", errno)
	}
	after, flags := readdir(t, day)
	if flags&fuse.FOPEN_CACHE_DIR != 0 || len(after) != len(first)-1 {
		t.Errorf("after a delete: flags %#x, %d entries of %d; want the cache dropped and one fewer", flags, len(after), len(first))
	}
	if _, flags := readdir(t, day); flags&fuse.FOPEN_CACHE_DIR == 0 {
		t.Errorf("after the changed listing was served: flags %#x, want FOPEN_CACHE_DIR again", flags)
	}
}

// Readdirplus looks each entry up through the open directory: the same
// node and attributes as a lookup by name, and no entry for a name the
// listing being read does not hold.
func TestReaddirplusLookupMatchesLookup(t *testing.T) {
	root, emu := newTestRoot(t, tree.Config{})
	var o csstest.Object
	for _, obj := range emu.Objects("uk") {
		if obj.Type == "callrecording" && obj.ObjectState == csstest.StateAvailable {
			o = obj
			break
		}
	}
	node, _ := lookup(t, root, "uk", "callrecording", o.Created().Format("2006"), o.Created().Format("01"), o.Created().Format("02"))
	day := node.(*dirNode)
	names, _ := readdir(t, day)
	ctx := context.Background()
	fh, _, errno := day.OpendirHandle(ctx, 0)
	if errno != 0 {
		t.Fatalf("opendir: %v", errno)
	}
	h := fh.(gofs.FileLookuper)
	defer fh.(*dirHandle).Releasedir(ctx, 0)
	for _, name := range names {
		var viaHandle, viaNode fuse.EntryOut
		a, errno := h.Lookup(ctx, name, &viaHandle)
		if errno != 0 {
			t.Fatalf("readdirplus lookup of %s: %v", name, errno)
		}
		b, errno := day.Lookup(ctx, name, &viaNode)
		if errno != 0 {
			t.Fatalf("lookup of %s: %v", name, errno)
		}
		if a.StableAttr() != b.StableAttr() || viaHandle.Attr != viaNode.Attr {
			t.Errorf("%s: readdirplus gives %+v %+v, lookup %+v %+v", name, a.StableAttr(), viaHandle.Attr, b.StableAttr(), viaNode.Attr)
		}
	}
	if _, errno := h.Lookup(ctx, "not-listed.wav", &fuse.EntryOut{}); errno != syscall.ENOENT {
		t.Errorf("readdirplus lookup of a name not listed: %v, want ENOENT", errno)
	}
}

// Attributes reach the kernel as the tree has them, owned by the mount's
// user, with st_blksize the block size.
func TestAttributes(t *testing.T) {
	root, emu := newTestRoot(t, tree.Config{ShowArchived: true})
	hard := emu.HardCases("uk")
	var out fuse.AttrOut
	root.Getattr(context.Background(), nil, &out)
	if out.Ino != 1 || out.Mode != syscall.S_IFDIR|0o555 || out.Uid != 1234 || out.Gid != 5678 {
		t.Errorf("root: %+v", out.Attr)
	}
	o, _ := emu.Object("uk", hard["non-ascii"])
	_, entry := lookup(t, root, "uk", ".id", o.ID)
	a := entry.Attr
	if a.Mode != syscall.S_IFREG|0o444 || a.Size != uint64(o.StoredBytes) || a.Blocks != (a.Size+511)/512 || a.Blksize != 256<<10 ||
		a.Mtime != uint64(o.Created().Unix()) || a.Atime != a.Mtime || a.Nlink != 1 || a.Uid != 1234 {
		t.Errorf("file: %+v", a)
	}
	_, entry = lookup(t, root, "uk", ".id", hard["archived"])
	if entry.Attr.Mode != syscall.S_IFREG || entry.AttrValid > 1 || entry.EntryValid > 1 {
		t.Errorf("archived file: mode %o, valid %d/%d s; want 0000 and a short timeout", entry.Attr.Mode, entry.AttrValid, entry.EntryValid)
	}
	_, entry = lookup(t, root, "uk", "callrecording")
	if entry.Attr.Mode != syscall.S_IFDIR|0o555 || entry.Attr.Nlink != 2 || entry.Attr.Atime != 0 || entry.Attr.Mtime != entry.Attr.Ctime {
		t.Errorf("directory: %+v", entry.Attr)
	}
}
