//go:build !windows

package fusefs

import (
	"context"
	"sync"
	"syscall"
	"time"
	"weak"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/tree"
)

// rootNode holds one directory per region, built once at mount.
type rootNode struct {
	gofs.Inode
	refuseWrites
	fs *fsys
}

func (r *rootNode) OnAdd(ctx context.Context) {
	regions, _ := r.fs.tree.List(ctx, r.fs.tree.Root()) // known since the tree was made: cannot fail
	for _, e := range regions.Entries() {
		child := r.NewPersistentInode(ctx, &dirNode{fs: r.fs, e: e}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: e.Attr.Ino})
		r.AddChild(e.Name, child, true)
	}
}

func (r *rootNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r.fs.attr(&out.Attr, r.fs.tree.Root().Attr)
	return 0
}

func (r *rootNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	statfs(out)
	return 0
}

// dirNode is one directory of the tree. Its listing lives in the tree's
// cache, by path.
type dirNode struct {
	gofs.Inode
	refuseWrites
	fs *fsys
	e  tree.Entry

	mu sync.Mutex
	// served is the listing the kernel may hold in its directory cache.
	// Weak: a directory the kernel keeps must not keep its listing past
	// the tree's cache (a listing collected since shows as changed).
	served  weak.Pointer[tree.Listing]
	readers map[uint32]int // pids with the directory open, by open count
}

func (d *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ctx, cancel := d.fs.opContext(ctx)
	defer cancel()
	e, err := d.fs.tree.Lookup(ctx, d.e, name)
	if err != nil {
		return nil, toErrno(d.fs.log, "lookup", err)
	}
	return d.newChild(ctx, e, out), 0
}

// unsettledTTL is how long the kernel may keep an object that is not
// AVAILABLE: a restore may change it at any time.
const unsettledTTL = time.Second

// newChild makes the node of entry e, which Lookup found in d.
func (d *dirNode) newChild(ctx context.Context, e tree.Entry, out *fuse.EntryOut) *gofs.Inode {
	d.fs.attr(&out.Attr, e.Attr)
	switch e.Kind {
	case tree.Dir:
		return d.NewInode(ctx, &dirNode{fs: d.fs, e: e}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: e.Attr.Ino})
	case tree.Sidecar:
		return d.NewInode(ctx, newSidecarNode(ctx, d.fs, e), gofs.StableAttr{Mode: syscall.S_IFREG, Ino: e.Attr.Ino})
	}
	if !e.Settled() {
		out.SetAttrTimeout(unsettledTTL)
		out.SetEntryTimeout(unsettledTTL)
	}
	n := &fileNode{fs: d.fs, e: e}
	child := d.NewInode(ctx, n, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: e.Attr.Ino})
	if got, ok := child.Operations().(*fileNode); ok {
		d.fs.nodes.added(got, got == n)
	}
	return child
}

// OpendirHandle lets the kernel cache the directory's entries across opens
// (a second ls reads none from us) while the listing stays the same; when
// it has changed, the open goes without FOPEN_CACHE_DIR, which makes the
// kernel drop what it held and read afresh. It also notes who has the
// directory open, so that deletion can refuse rm -r.
func (d *dirNode) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	octx, cancel := d.fs.opContext(ctx)
	defer cancel()
	l, err := d.fs.tree.List(octx, d.e)
	if err != nil {
		return nil, 0, toErrno(d.fs.log, "opendir", err)
	}
	pid := callerPID(ctx)
	d.mu.Lock()
	wl := weak.Make(l)
	changed := d.served != (weak.Pointer[tree.Listing]{}) && d.served != wl
	d.served = wl
	if d.readers == nil {
		d.readers = map[uint32]int{}
	}
	d.readers[pid]++
	d.mu.Unlock()
	var fuseFlags uint32 = fuse.FOPEN_CACHE_DIR
	if changed {
		fuseFlags = 0
	}
	h := &dirHandle{d: d, l: l, ds: gofs.NewListDirStream(dirEntries(l)), release: func() {
		d.mu.Lock()
		if d.readers[pid]--; d.readers[pid] <= 0 {
			delete(d.readers, pid)
		}
		d.mu.Unlock()
	}}
	return h, fuseFlags, 0
}

// dirEntries is a listing as the kernel reads it.
func dirEntries(l *tree.Listing) []fuse.DirEntry {
	out := make([]fuse.DirEntry, 0, l.Len())
	for _, e := range l.Entries() {
		mode := uint32(syscall.S_IFREG)
		if e.IsDir() {
			mode = syscall.S_IFDIR
		}
		out = append(out, fuse.DirEntry{Name: e.Name, Mode: mode, Ino: e.Attr.Ino})
	}
	return out
}

func (d *dirNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.fs.attr(&out.Attr, d.e.Attr)
	return 0
}

func (d *dirNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	statfs(out)
	return 0
}

// Unlink deletes an object (with --allow-delete). A process that has the
// directory open while it unlinks — rm -r, find -delete — is refused, so
// that a whole directory of recordings cannot go in one command.
func (d *dirNode) Unlink(ctx context.Context, name string) syscall.Errno {
	if !d.fs.cfg.AllowDelete {
		return syscall.EROFS
	}
	pid := callerPID(ctx)
	d.mu.Lock()
	walking := d.readers[pid] > 0
	d.mu.Unlock()
	if walking {
		d.fs.log.Warn("refusing to delete from a directory the deleting process is reading (rm -r?); delete files one by one", "pid", pid, "dir", d.e.Path, "name", name)
		return syscall.EPERM
	}
	ctx, cancel := d.fs.opContext(ctx)
	defer cancel()
	e, err := d.fs.tree.Delete(ctx, d.e, name)
	if err != nil {
		return toErrno(d.fs.log, "unlink", err)
	}
	d.fs.log.Info("object deleted", "region", e.Region, "id", e.ObjectID, "name", name, "pid", pid)
	return 0
}

// Rmdir is refused: directories are views of the service, not things in it.
func (d *dirNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	if d.fs.cfg.AllowDelete {
		return syscall.EPERM
	}
	return syscall.EROFS
}

func callerPID(ctx context.Context) uint32 {
	if c, ok := ctx.(*fuse.Context); ok {
		return c.Caller.Pid
	}
	return 0
}

// dirHandle is an open directory: a list of entries, and who to tell when
// it is closed.
type dirHandle struct {
	d       *dirNode
	l       *tree.Listing // the listing ds reads
	ds      gofs.DirStream
	release func()
}

// Lookup serves readdirplus (ls -l), which looks up every entry it lists:
// from the listing being read, so that each of 10,000 entries costs a
// search of that listing, not a trip through the tree's cache under a
// deadline of its own.
func (h *dirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	e, ok := h.l.Lookup(name)
	if !ok {
		return nil, syscall.ENOENT
	}
	return h.d.newChild(ctx, e, out), 0
}

func (h *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	return h.ds.(gofs.FileReaddirenter).Readdirent(ctx)
}

func (h *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	return h.ds.(gofs.FileSeekdirer).Seekdir(ctx, off)
}

func (h *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	h.ds.Close()
	h.release()
}
