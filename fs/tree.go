package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
)

// dirKind tells the directories of the tree apart.
type dirKind int

const (
	kindLayout     dirKind = iota // a layout level, or the objects below the last one
	kindFilterRoot                // REGION/.filter: lists nothing; its names are FIQL expressions
	kindIDRoot                    // REGION/.id: lists nothing; its names are object ids
)

// Names a region directory answers to without listing them, so that find
// and rsync never wander into them.
const (
	filterDirName = ".filter"
	idDirName     = ".id"
	sidecarSuffix = ".meta.json"
)

// dir is one directory of the tree, whether served by FUSE or walked by
// cssfs ls/cat/get.
type dir struct {
	kind   dirKind
	scope  scope
	levels []level // layout levels below this directory
	mtime  time.Time
}

func (d dir) ino() uint64 { return inodeOf(d.scope.region, d.scope.path) }

// regionDir is the top directory of a region.
func (f *fsys) regionDir(region string) dir {
	s := scope{region: region}
	if f.cfg.ShowArchived {
		s.preds = []string{client.In("objectState", "AVAILABLE", "ARCHIVED")}
	}
	return dir{scope: s, levels: f.levels, mtime: f.mounted}
}

// listing is what one directory holds, by name.
type listing struct {
	entries  []fuse.DirEntry // sorted by name
	dirs     map[string]dir
	files    map[string]*client.Object
	sidecars map[string]*client.Object // NAME.meta.json -> the object it describes
}

// list loads what d holds from the service.
func (f *fsys) list(ctx context.Context, d dir) (*listing, error) {
	if d.kind != kindLayout {
		return &listing{}, nil
	}
	if len(d.levels) > 0 {
		subs, err := f.subdirs(ctx, d.levels[0], d.scope)
		if err != nil {
			return nil, fmt.Errorf("listing %s%s: %w", d.scope.region, d.scope.path, err)
		}
		return f.dirListing(d, subs), nil
	}
	q := client.Query{Filter: d.scope.filter(), SortField: "createdTime", SortDirection: "ASC"}
	objs, err := f.api.List(ctx, d.scope.region, q, 2*f.cfg.Probes)
	if err != nil {
		return nil, fmt.Errorf("listing %s%s: %w", d.scope.region, d.scope.path, err)
	}
	return f.fileListing(d.scope.region, objs), nil
}

func (f *fsys) dirListing(parent dir, subs []subdir) *listing {
	l := &listing{dirs: make(map[string]dir, len(subs))}
	for _, sd := range subs {
		d := dir{scope: sd.scope, levels: parent.levels[1:], mtime: sd.mtime}
		l.dirs[sd.name] = d
		l.entries = append(l.entries, fuse.DirEntry{Name: sd.name, Mode: syscall.S_IFDIR, Ino: d.ino()})
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
	l := &listing{files: make(map[string]*client.Object, len(objs)), sidecars: map[string]*client.Object{}}
	for i := range objs {
		l.files[names[i]] = &objs[i]
		l.entries = append(l.entries, fuse.DirEntry{Name: names[i], Mode: syscall.S_IFREG, Ino: inodeOf(region, objs[i].ID)})
	}
	if f.cfg.Sidecars {
		for i := range objs {
			name := sidecarName(names[i], objs[i].ID)
			if _, taken := l.files[name]; taken {
				continue // an object really named like a sidecar keeps its name
			}
			l.sidecars[name] = &objs[i]
			l.entries = append(l.entries, fuse.DirEntry{Name: name, Mode: syscall.S_IFREG, Ino: sidecarIno(region, objs[i].ID)})
		}
	}
	sortEntries(l.entries)
	return l
}

// sidecarName is NAME.meta.json, shortened (with the id, to stay distinct)
// where that would pass 255 bytes.
func sidecarName(name, id string) string {
	if len(name)+len(sidecarSuffix) <= maxNameBytes {
		return name + sidecarSuffix
	}
	tag := "~" + shortID(id)
	return truncateUTF8(name, maxNameBytes-len(tag)-len(sidecarSuffix)) + tag + sidecarSuffix
}

func sortEntries(e []fuse.DirEntry) {
	sort.Slice(e, func(i, j int) bool { return e[i].Name < e[j].Name })
}

// isSpecial tells the names that special answers, which are looked up
// without listing the directory first.
func (f *fsys) isSpecial(d dir, name string) bool {
	return d.kind != kindLayout || (d.scope.path == "" && (name == filterDirName || name == idDirName))
}

// special finds the names a directory answers to without listing them: a
// region's .filter and .id, a filter expression, an object id. found is
// false when name is none of these.
func (f *fsys) special(ctx context.Context, d dir, name string) (sub dir, obj *client.Object, found bool, err error) {
	switch {
	case d.kind == kindLayout && d.scope.path == "" && name == filterDirName:
		return dir{kind: kindFilterRoot, scope: scope{region: d.scope.region, path: "/" + filterDirName}, mtime: f.mounted}, nil, true, nil
	case d.kind == kindLayout && d.scope.path == "" && name == idDirName:
		return dir{kind: kindIDRoot, scope: scope{region: d.scope.region, path: "/" + idDirName}, mtime: f.mounted}, nil, true, nil
	case d.kind == kindFilterRoot:
		// Ask the service whether the expression is valid (one cheap probe).
		if _, _, err := f.api.First(ctx, d.scope.region, client.Query{Filter: name, Limit: 1}); err != nil {
			var apiErr *client.APIError
			if errors.As(err, &apiErr) && apiErr.Status >= 400 && apiErr.Status < 500 && apiErr.Status != 401 && apiErr.Status != 429 {
				f.log.Warn("invalid filter expression", "region", d.scope.region, "filter", name, "err", err)
				return dir{}, nil, false, nil
			}
			return dir{}, nil, false, err
		}
		s := scope{region: d.scope.region, preds: []string{name}, path: d.scope.path + "/" + name}
		return dir{scope: s, mtime: f.mounted}, nil, true, nil
	case d.kind == kindIDRoot:
		o, err := f.api.Object(ctx, d.scope.region, name)
		if errors.Is(err, client.ErrNotFound) {
			return dir{}, nil, false, nil
		}
		if err != nil {
			return dir{}, nil, false, err
		}
		return dir{}, &o, true, nil
	}
	return dir{}, nil, false, nil
}

// errNotDir and errIsDir are the Tree's answers for paths of the wrong kind.
var (
	errNotDir = errors.New("not a directory")
	errIsDir  = errors.New("is a directory")
)

// splitPath turns "/us-east/callrecording/" into its components.
func splitPath(p string) []string {
	var out []string
	for _, part := range strings.Split(p, "/") {
		if part != "" && part != "." {
			out = append(out, part)
		}
	}
	return out
}

// Tree walks the same tree as the mount, by path, without FUSE: for cssfs
// ls, cat and get on machines that have no FUSE. Listings are not cached.
type Tree struct {
	f       *fsys
	regions []string
}

// NewTree prepares a tree like NewRoot does.
func NewTree(ctx context.Context, api API, blocks *cache.Blocks, cfg Config) (*Tree, error) {
	f, regions, err := newFsys(ctx, api, blocks, cfg)
	if err != nil {
		return nil, err
	}
	return &Tree{f: f, regions: regions}, nil
}

// Entry is one file or directory of the tree.
type Entry struct {
	Name    string
	Path    string // from the tree's root, starting with "/"
	IsDir   bool
	Size    int64
	Mtime   time.Time
	Region  string
	Object  *client.Object // the object a file (or sidecar) stands for; nil for directories
	Sidecar bool           // NAME.meta.json rather than the object itself
}

// node is a resolved path: a directory or a file.
type node struct {
	entry Entry
	dir   dir // when entry.IsDir (and not the root)
}

func (t *Tree) resolve(ctx context.Context, p string) (node, error) {
	parts := splitPath(p)
	root := node{entry: Entry{Name: "/", Path: "/", IsDir: true, Mtime: t.f.mounted}}
	if len(parts) == 0 {
		return root, nil
	}
	var cur node
	found := false
	for _, r := range t.regions {
		if safeID(r) == parts[0] {
			d := t.f.regionDir(r)
			cur, found = node{entry: Entry{Name: parts[0], Path: "/" + parts[0], IsDir: true, Mtime: d.mtime, Region: r}, dir: d}, true
		}
	}
	if !found {
		return node{}, fmt.Errorf("%s: %w", p, os.ErrNotExist)
	}
	for _, name := range parts[1:] {
		if !cur.entry.IsDir {
			return node{}, fmt.Errorf("%s: %w", p, errNotDir)
		}
		next, err := t.child(ctx, cur, name)
		if err != nil {
			return node{}, fmt.Errorf("%s: %w", p, err)
		}
		cur = next
	}
	return cur, nil
}

// child finds name in the directory n.
func (t *Tree) child(ctx context.Context, n node, name string) (node, error) {
	if t.f.isSpecial(n.dir, name) {
		return t.childIn(ctx, &listing{}, n, name)
	}
	l, err := t.f.list(ctx, n.dir)
	if err != nil {
		return node{}, err
	}
	return t.childIn(ctx, l, n, name)
}

// childIn finds name in n, whose listing is l.
func (t *Tree) childIn(ctx context.Context, l *listing, n node, name string) (node, error) {
	path := strings.TrimSuffix(n.entry.Path, "/") + "/" + name
	region := n.dir.scope.region
	if d, ok := l.dirs[name]; ok {
		return node{entry: Entry{Name: name, Path: path, IsDir: true, Mtime: d.mtime, Region: region}, dir: d}, nil
	}
	if o, ok := l.files[name]; ok {
		return t.fileNode(name, path, region, o, false), nil
	}
	if o, ok := l.sidecars[name]; ok {
		return t.fileNode(name, path, region, o, true), nil
	}
	d, o, found, err := t.f.special(ctx, n.dir, name)
	switch {
	case err != nil:
		return node{}, err
	case !found:
		return node{}, os.ErrNotExist
	case o != nil:
		return t.fileNode(name, path, region, o, false), nil
	}
	return node{entry: Entry{Name: name, Path: path, IsDir: true, Mtime: d.mtime, Region: region}, dir: d}, nil
}

func (t *Tree) fileNode(name, path, region string, o *client.Object, sidecar bool) node {
	e := Entry{Name: name, Path: path, Size: max(o.StoredBytes, 0), Mtime: o.CreatedTime, Region: region, Object: o, Sidecar: sidecar}
	if sidecar {
		e.Size = int64(len(sidecarJSON(region, o)))
	}
	return node{entry: e}
}

// Stat describes the file or directory at p.
func (t *Tree) Stat(ctx context.Context, p string) (Entry, error) {
	n, err := t.resolve(ctx, p)
	return n.entry, err
}

// List returns what the directory at p holds, sorted by name.
func (t *Tree) List(ctx context.Context, p string) ([]Entry, error) {
	n, err := t.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if !n.entry.IsDir {
		return nil, fmt.Errorf("%s: %w", p, errNotDir)
	}
	if n.entry.Path == "/" {
		var out []Entry
		for _, r := range t.regions {
			out = append(out, Entry{Name: safeID(r), Path: "/" + safeID(r), IsDir: true, Mtime: t.f.mounted, Region: r})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	}
	l, err := t.f.list(ctx, n.dir)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(l.entries))
	for _, de := range l.entries {
		c, err := t.childIn(ctx, l, n, de.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, c.entry)
	}
	return out, nil
}

// Open returns a reader of the file at p: the object's content through the
// block cache (with readahead), or a sidecar's JSON.
func (t *Tree) Open(ctx context.Context, p string) (io.Reader, Entry, error) {
	n, err := t.resolve(ctx, p)
	if err != nil {
		return nil, Entry{}, err
	}
	e := n.entry
	if e.IsDir {
		return nil, e, fmt.Errorf("%s: %w", p, errIsDir)
	}
	if e.Sidecar {
		return bytes.NewReader(sidecarJSON(e.Region, e.Object)), e, nil
	}
	if err := t.f.readable(e.Region, e.Object, e.Path); err != nil {
		return nil, e, err
	}
	r := t.f.blocks.NewReader(cache.Ref{Region: e.Region, ID: e.Object.ID, Size: e.Size}, t.f.cfg.MaxAhead)
	return &objectReader{ctx: ctx, r: r, size: e.Size}, e, nil
}

// objectReader reads an object from start to end.
type objectReader struct {
	ctx  context.Context
	r    *cache.Reader
	off  int64
	size int64
}

func (o *objectReader) Read(p []byte) (int, error) {
	if o.off >= o.size {
		return 0, io.EOF
	}
	n, err := o.r.ReadAt(o.ctx, p, o.off)
	o.off += int64(n)
	if err == nil && n == 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
