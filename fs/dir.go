package fs

import (
	"context"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
)

// rootNode holds one directory per region, built once at mount.
type rootNode struct {
	gofs.Inode
	refuseWrites
	fs      *fsys
	regions []string
}

var (
	_ gofs.NodeOnAdder   = (*rootNode)(nil)
	_ gofs.NodeGetattrer = (*rootNode)(nil)
	_ gofs.NodeStatfser  = (*rootNode)(nil)
)

func (r *rootNode) OnAdd(ctx context.Context) {
	for _, region := range r.regions {
		d := &dirNode{fs: r.fs, d: r.fs.regionDir(region)}
		child := r.NewPersistentInode(ctx, d, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: d.d.ino()})
		r.AddChild(safeID(region), child, true)
	}
}

func (r *rootNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r.fs.dirAttr(&out.Attr, 1, r.fs.mounted)
	return 0
}

func (r *rootNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	r.fs.statfs(out)
	return 0
}

// dirNode serves one dir of the tree and keeps its listing for a while.
type dirNode struct {
	gofs.Inode
	refuseWrites
	fs      *fsys
	d       dir
	listing cache.Memo[*listing]

	mu      sync.Mutex
	served  *listing       // the listing the kernel may hold in its directory cache
	readers map[uint32]int // pids with the directory open, by open count
}

var (
	_ gofs.NodeLookuper       = (*dirNode)(nil)
	_ gofs.NodeOpendirHandler = (*dirNode)(nil)
	_ gofs.NodeGetattrer      = (*dirNode)(nil)
	_ gofs.NodeStatfser       = (*dirNode)(nil)
	_ gofs.NodeUnlinker       = (*dirNode)(nil)
)

// pastTTLFactor stretches the listing TTL of periods that are over: objects
// are created with the current time, so a past day only changes when an
// object is deleted or archived.
const pastTTLFactor = 12

func (d *dirNode) ttl() time.Duration {
	if !d.d.scope.to.IsZero() && d.d.scope.to.Before(time.Now().Add(-time.Hour)) {
		return pastTTLFactor * d.fs.cfg.DirTTL
	}
	return d.fs.cfg.DirTTL
}

func (d *dirNode) load(ctx context.Context) (*listing, error) {
	return d.listing.Get(ctx, d.ttl(), d.fs.cfg.OpTimeout, func(ctx context.Context) (*listing, error) {
		return d.fs.list(ctx, d.d)
	})
}

func (d *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ctx, cancel := d.fs.opContext(ctx)
	defer cancel()
	if d.fs.isSpecial(d.d, name) {
		return d.lookupSpecial(ctx, name, out)
	}
	l, err := d.load(ctx)
	if err != nil {
		return nil, toErrno(d.fs.log, "lookup", err)
	}
	if sub, ok := l.dirs[name]; ok {
		return d.newDir(ctx, sub, out), 0
	}
	if obj, ok := l.files[name]; ok {
		return d.newFile(ctx, obj, out), 0
	}
	if obj, ok := l.sidecars[name]; ok {
		return d.newSidecar(ctx, obj, out), 0
	}
	return nil, syscall.ENOENT
}

func (d *dirNode) lookupSpecial(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	sub, obj, found, err := d.fs.special(ctx, d.d, name)
	switch {
	case err != nil:
		return nil, toErrno(d.fs.log, "lookup", err)
	case !found:
		return nil, syscall.ENOENT
	case obj != nil:
		return d.newFile(ctx, obj, out), 0
	default:
		return d.newDir(ctx, sub, out), 0
	}
}

func (d *dirNode) newDir(ctx context.Context, sub dir, out *fuse.EntryOut) *gofs.Inode {
	d.fs.dirAttr(&out.Attr, sub.ino(), sub.mtime)
	return d.NewInode(ctx, &dirNode{fs: d.fs, d: sub}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: sub.ino()})
}

func (d *dirNode) newFile(ctx context.Context, obj *client.Object, out *fuse.EntryOut) *gofs.Inode {
	f := &fileNode{fs: d.fs, region: d.d.scope.region, obj: obj}
	f.attr(&out.Attr)
	if obj.ObjectState != "AVAILABLE" {
		// Its state may change (a restore): let the kernel ask again soon.
		out.SetAttrTimeout(time.Second)
		out.SetEntryTimeout(time.Second)
	}
	return d.NewInode(ctx, f, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: out.Attr.Ino})
}

func (d *dirNode) newSidecar(ctx context.Context, obj *client.Object, out *fuse.EntryOut) *gofs.Inode {
	s := newSidecarNode(d.fs, d.d.scope.region, obj)
	s.attr(&out.Attr)
	return d.NewInode(ctx, s, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: out.Attr.Ino})
}

// OpendirHandle lets the kernel cache the directory's entries across opens
// (a second ls reads none from us) while the listing stays the same; when
// it has changed, the open goes without FOPEN_CACHE_DIR, which makes the
// kernel drop what it held and read afresh. It also notes who has the
// directory open, so that deletion can refuse rm -r.
func (d *dirNode) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	octx, cancel := d.fs.opContext(ctx)
	defer cancel()
	l, err := d.load(octx)
	if err != nil {
		return nil, 0, toErrno(d.fs.log, "opendir", err)
	}
	pid := callerPID(ctx)
	d.mu.Lock()
	changed := d.served != nil && d.served != l
	d.served = l
	if d.readers == nil {
		d.readers = map[uint32]int{}
	}
	d.readers[pid]++
	d.mu.Unlock()
	var fuseFlags uint32 = fuse.FOPEN_CACHE_DIR
	if changed {
		fuseFlags = 0
	}
	h := &dirHandle{ds: gofs.NewListDirStream(l.entries), release: func() {
		d.mu.Lock()
		if d.readers[pid]--; d.readers[pid] <= 0 {
			delete(d.readers, pid)
		}
		d.mu.Unlock()
	}}
	return h, fuseFlags, 0
}

func (d *dirNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.fs.dirAttr(&out.Attr, d.StableAttr().Ino, d.d.mtime)
	return 0
}

func (d *dirNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	d.fs.statfs(out)
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
		d.fs.log.Warn("refusing to delete from a directory the deleting process is reading (rm -r?); delete files one by one", "pid", pid, "dir", d.d.scope.region+d.d.scope.path, "name", name)
		return syscall.EPERM
	}
	ctx, cancel := d.fs.opContext(ctx)
	defer cancel()
	l, err := d.load(ctx)
	if err != nil {
		return toErrno(d.fs.log, "unlink", err)
	}
	obj, ok := l.files[name]
	if !ok {
		if _, side := l.sidecars[name]; side {
			return syscall.EPERM // a sidecar goes with its object
		}
		return syscall.ENOENT
	}
	if err := d.fs.api.Delete(ctx, d.d.scope.region, obj.ID); err != nil {
		return toErrno(d.fs.log, "delete "+d.d.scope.region+"/"+obj.ID, err)
	}
	d.fs.log.Info("object deleted", "region", d.d.scope.region, "id", obj.ID, "name", name, "pid", pid)
	d.listing.Forget()
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
	ds      gofs.DirStream
	release func()
}

var (
	_ gofs.FileReaddirenter = (*dirHandle)(nil)
	_ gofs.FileSeekdirer    = (*dirHandle)(nil)
	_ gofs.FileReleasedirer = (*dirHandle)(nil)
)

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

// statfs answers df: a read-only filesystem with nothing free.
func (f *fsys) statfs(out *fuse.StatfsOut) {
	out.Bsize = 4096
	out.Frsize = 4096
	out.NameLen = maxNameBytes
	out.Blocks = 1 << 28 // nominal 1 TiB; the service does not report a quota
	out.Files = 1 << 30
}
