package tree

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/naming"
)

// dirKind tells the directories of the tree apart.
type dirKind int

const (
	kindLayout     dirKind = iota // a layout level, or the objects below the last one
	kindRoot                      // the top: one directory per region
	kindFilterRoot                // REGION/.filter: lists nothing; its names are FIQL expressions
	kindIDRoot                    // REGION/.id: lists nothing; its names are object ids
)

// dir is what a directory stands for.
type dir struct {
	kind   dirKind
	scope  scope
	levels []level // layout levels below this directory
	mtime  time.Time
}

func (d dir) ino() uint64 { return inodeOf(d.scope.region, d.scope.path) }

// path is the directory's path from the tree's root.
func (d dir) path() string { return "/" + naming.SafeID(d.scope.region) + d.scope.path }

func (t *Tree) dirEntry(name string, d dir) Entry {
	return Entry{Name: name, Path: d.path(), Kind: Dir, Region: d.scope.region, Attr: dirAttr(d.ino(), d.mtime), dir: &d}
}

// regionDir is the top directory of a region.
func (t *Tree) regionDir(region string) dir {
	s := scope{region: region}
	if t.cfg.ShowArchived {
		s.preds = []string{client.In("objectState", client.StateAvailable, client.StateArchived)}
	}
	return dir{scope: s, levels: t.levels, mtime: t.mounted}
}

// pagesPerProbe: a listing fetches this many pages at once for each probe
// a directory scan runs at once. A page costs one request like a probe,
// and a listing is what a user is waiting for.
const pagesPerProbe = 2

func (t *Tree) listParallel() int { return pagesPerProbe * t.cfg.Probes }

// load lists the layout directory d from the service: a period with what
// lies below it at once when it is small (loadPeriod), else its
// subdirectories by probing; the objects below the last level with one
// paged search.
func (t *Tree) load(ctx context.Context, d Entry) (*Listing, error) {
	s := d.d().scope
	if len(d.d().levels) > 0 {
		if l, ok, err := t.loadPeriod(ctx, d); ok || err != nil {
			return l, err
		}
		subs, err := t.subdirs(ctx, d.d().levels[0], s)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", d.Path, apiError(err))
		}
		return t.dirListing(d.d(), subs), nil
	}
	q := client.Query{Filter: s.filter(), SortField: "createdTime", SortDirection: "ASC"}
	objs, err := t.api.List(ctx, s.region, q, t.listParallel())
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", d.Path, apiError(err))
	}
	return t.fileListing(d.Path, s.region, objs), nil
}

func (t *Tree) dirListing(parent dir, subs []subdir) *Listing {
	entries := make([]Entry, 0, len(subs))
	for _, sd := range subs {
		entries = append(entries, t.dirEntry(sd.name, dir{scope: sd.scope, levels: parent.levels[1:], mtime: sd.mtime}))
	}
	return newListing(entries)
}

// fileListing names the objects of one directory: names are unique within
// it and do not depend on the order the service lists them in. With
// sidecars, NAME.meta.json stands beside each (an object really named like
// a sidecar keeps its name).
func (t *Tree) fileListing(path, region string, objs []client.Object) *Listing {
	want := make([]naming.Named, len(objs))
	for i := range objs {
		want[i] = naming.Named{Name: t.cfg.Names.Name(&objs[i]), ID: objs[i].ID}
	}
	names := naming.Unique(want)
	items := make([]tableItem, 0, len(objs))
	taken := make(map[string]bool, len(objs))
	for i := range objs {
		items = append(items, tableItem{name: names[i], o: &objs[i]})
		taken[names[i]] = true
	}
	if t.cfg.Sidecars {
		for i := range objs {
			name := naming.Sidecar(names[i], objs[i].ID)
			if !taken[name] {
				items = append(items, tableItem{name: name, o: &objs[i], sidecar: sidecarJSON(region, &objs[i])})
			}
		}
	}
	return &Listing{files: newFileTable(path, region, t.blocks.BlockSize(), items)}
}

// fileEntry is the object o alone, at path.
func (t *Tree) fileEntry(path, name, region string, o *client.Object) Entry {
	ft := newFileTable(strings.TrimSuffix(path, "/"+name), region, t.blocks.BlockSize(), []tableItem{{name: name, o: o}})
	return ft.entry(0)
}
