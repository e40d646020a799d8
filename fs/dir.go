package fs

import (
	"context"
	"fmt"
	"sort"
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
		name := safeID(region)
		d := &dirNode{fs: r.fs, scope: scope{region: region}, levels: r.fs.levels, mtime: r.fs.mounted}
		child := r.NewPersistentInode(ctx, d, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: inodeOf(region)})
		r.AddChild(name, child, true)
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

// dirNode is a directory of the layout: either more layout levels below it,
// or (when no levels remain) the objects matching its scope.
type dirNode struct {
	gofs.Inode
	fs      *fsys
	scope   scope
	levels  []level // levels below this directory
	mtime   time.Time
	listing cache.Memo[*listing]

	mu     sync.Mutex
	served *listing // the listing the kernel may hold in its directory cache
}

var (
	_ gofs.NodeLookuper       = (*dirNode)(nil)
	_ gofs.NodeReaddirer      = (*dirNode)(nil)
	_ gofs.NodeOpendirHandler = (*dirNode)(nil)
	_ gofs.NodeGetattrer      = (*dirNode)(nil)
	_ gofs.NodeStatfser       = (*dirNode)(nil)
)

// listing is what one directory holds, by name.
type listing struct {
	entries []fuse.DirEntry // sorted by name
	dirs    map[string]subdir
	files   map[string]*client.Object
}

// pastTTLFactor stretches the listing TTL of periods that are over: objects
// are created with the current time, so a past day only changes when an
// object is deleted or archived.
const pastTTLFactor = 12

func (d *dirNode) ttl() time.Duration {
	if !d.scope.to.IsZero() && d.scope.to.Before(time.Now().Add(-time.Hour)) {
		return pastTTLFactor * d.fs.cfg.DirTTL
	}
	return d.fs.cfg.DirTTL
}

func (d *dirNode) load(ctx context.Context) (*listing, error) {
	return d.listing.Get(ctx, d.ttl(), d.fs.cfg.OpTimeout, func(ctx context.Context) (*listing, error) {
		if len(d.levels) > 0 {
			dirs, err := d.fs.subdirs(ctx, d.levels[0], d.scope)
			if err != nil {
				return nil, fmt.Errorf("listing %s%s: %w", d.scope.region, d.scope.path, err)
			}
			return d.fs.dirListing(d.scope.region, dirs), nil
		}
		objs, err := d.fs.objects(ctx, d.scope)
		if err != nil {
			return nil, fmt.Errorf("listing %s%s: %w", d.scope.region, d.scope.path, err)
		}
		return d.fs.fileListing(d.scope.region, objs), nil
	})
}

func (d *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ctx, cancel := d.fs.opContext(ctx)
	defer cancel()
	l, err := d.load(ctx)
	if err != nil {
		return nil, toErrno(d.fs.log, "lookup", err)
	}
	if sd, ok := l.dirs[name]; ok {
		child := &dirNode{fs: d.fs, scope: sd.scope, levels: d.levels[1:], mtime: sd.mtime}
		ino := inodeOf(sd.scope.region, sd.scope.path)
		d.fs.dirAttr(&out.Attr, ino, sd.mtime)
		return d.NewInode(ctx, child, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: ino}), 0
	}
	if obj, ok := l.files[name]; ok {
		f := &fileNode{fs: d.fs, region: d.scope.region, obj: obj}
		f.attr(&out.Attr)
		return d.NewInode(ctx, f, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: out.Attr.Ino}), 0
	}
	return nil, syscall.ENOENT
}

func (d *dirNode) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	ctx, cancel := d.fs.opContext(ctx)
	defer cancel()
	l, err := d.load(ctx)
	if err != nil {
		return nil, toErrno(d.fs.log, "readdir", err)
	}
	return gofs.NewListDirStream(l.entries), 0
}

// OpendirHandle lets the kernel cache the directory's entries across opens
// (a second ls reads none from us) while the listing stays the same; when
// it has changed, the open goes without FOPEN_CACHE_DIR, which makes the
// kernel drop what it held and read afresh.
func (d *dirNode) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	ctx, cancel := d.fs.opContext(ctx)
	defer cancel()
	l, err := d.load(ctx)
	if err != nil {
		return nil, 0, toErrno(d.fs.log, "opendir", err)
	}
	d.mu.Lock()
	changed := d.served != nil && d.served != l
	d.served = l
	d.mu.Unlock()
	var fuseFlags uint32 = fuse.FOPEN_CACHE_DIR
	if changed {
		fuseFlags = 0
	}
	return gofs.NewListDirStream(l.entries).(gofs.FileHandle), fuseFlags, 0
}

func (d *dirNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.fs.dirAttr(&out.Attr, d.StableAttr().Ino, d.mtime)
	return 0
}

func (d *dirNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	d.fs.statfs(out)
	return 0
}

// objects lists every object in s; its pages are fetched in parallel.
func (f *fsys) objects(ctx context.Context, s scope) ([]client.Object, error) {
	q := client.Query{Filter: s.filter(), SortField: "createdTime", SortDirection: "ASC"}
	return f.api.List(ctx, s.region, q, 2*f.cfg.Probes)
}

func (f *fsys) dirListing(region string, dirs []subdir) *listing {
	l := &listing{dirs: make(map[string]subdir, len(dirs))}
	for _, sd := range dirs {
		l.dirs[sd.name] = sd
		l.entries = append(l.entries, fuse.DirEntry{Name: sd.name, Mode: syscall.S_IFDIR, Ino: inodeOf(region, sd.scope.path)})
	}
	sortEntries(l.entries)
	return l
}

func (f *fsys) fileListing(region string, objs []client.Object) *listing {
	want := make([]named, len(objs))
	for i, o := range objs {
		want[i] = named{name: safeName(o.ObjectName, o.MimeType, o.ID), id: o.ID}
	}
	names := uniqueNames(want)
	l := &listing{files: make(map[string]*client.Object, len(objs))}
	for i := range objs {
		l.files[names[i]] = &objs[i]
		l.entries = append(l.entries, fuse.DirEntry{Name: names[i], Mode: syscall.S_IFREG, Ino: inodeOf(region, objs[i].ID)})
	}
	sortEntries(l.entries)
	return l
}

func sortEntries(e []fuse.DirEntry) {
	sort.Slice(e, func(i, j int) bool { return e[i].Name < e[j].Name })
}

// statfs answers df: a read-only filesystem with nothing free.
func (f *fsys) statfs(out *fuse.StatfsOut) {
	out.Bsize = 4096
	out.Frsize = 4096
	out.NameLen = maxNameBytes
	out.Blocks = 1 << 28 // nominal 1 TiB; the service does not report a quota
	out.Files = 1 << 30
}
