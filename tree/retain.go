package tree

import (
	"sync"
	"unsafe"
)

// DefaultMaxListed bounds the entries of the cached listings (of
// Config.MaxListed), and maxListedBytes their size. A file's entry costs
// about 100 bytes in a listing (compact.go), so a walk of a million
// objects keeps every listing for its TTL within about 100 MiB; past a
// bound the oldest listings are dropped, so memory does not grow with the
// tenant (nor with long names).
const (
	DefaultMaxListed = 1_200_000
	maxListedBytes   = 128 << 20
)

// dirEntryBytes is about what a directory's entry costs in a listing:
// the Entry, its dir and scope, and the listing's map.
const dirEntryBytes = 400

// bytes is about what l holds, its files' metadata aside.
func (l *Listing) bytes() int {
	if l.files == nil {
		return 64 + dirEntryBytes*len(l.entries)
	}
	return 256 + int(unsafe.Sizeof(fileRec{}))*len(l.files.recs) + cap(l.files.arena)
}

// maxMetaBytes bounds the full metadata listings keep beside their
// entries (for xattrs and sidecars): past it the oldest listings' is
// dropped, and fetched again per object when asked for. A file's costs
// 300 to 500 bytes, so this keeps that of the last ~40,000 objects listed.
const maxMetaBytes = 16 << 20

// retained is the listings the cache holds, in the order they were
// stored, with their entry counts and metadata sizes, so that the oldest
// go first when a total passes its bound. A dropped listing is loaded
// again when next asked for, like one past its TTL.
type retained struct {
	mu       sync.Mutex
	queue    []retainedListing
	latest   map[string]*Listing // by path: the last listing stored
	total    int                 // entries, bounded by Config.MaxListed
	size     int                 // bytes, bounded by Tree.maxListed
	meta     int                 // metadata bytes, bounded by Tree.maxMeta
	metaFrom int                 // queue[:metaFrom] hold no metadata any more
}

type retainedListing struct {
	path string
	l    *Listing
	n    int
	size int
	meta int
}

// retain notes that l was stored for path, and drops the oldest listings'
// metadata, then the oldest listings, while a total is past its bound.
func (t *Tree) retain(path string, l *Listing) {
	r := &t.retained
	var drop []string
	r.mu.Lock()
	if r.latest == nil {
		r.latest = map[string]*Listing{}
	}
	rl := retainedListing{path: path, l: l, n: l.Len() + 1, size: l.bytes()}
	if l.files != nil {
		rl.meta = l.files.metaBytes()
	}
	r.queue = append(r.queue, rl)
	r.latest[path] = l
	r.total += rl.n
	r.size += rl.size
	r.meta += rl.meta
	for r.meta > t.maxMeta && r.metaFrom < len(r.queue)-1 {
		old := &r.queue[r.metaFrom]
		if old.meta > 0 {
			old.l.files.dropMeta()
			r.meta -= old.meta
			old.meta = 0
		}
		r.metaFrom++
	}
	for (r.total > t.cfg.MaxListed || r.size > t.maxListed) && len(r.queue) > 1 {
		old := r.queue[0]
		r.queue[0] = retainedListing{}
		r.queue = r.queue[1:]
		r.total -= old.n
		r.size -= old.size
		r.meta -= old.meta
		r.metaFrom = max(r.metaFrom-1, 0)
		if old.meta > 0 {
			old.l.files.dropMeta() // a node may still hold an entry of it
		}
		if r.latest[old.path] == old.l { // else stored again since: a later entry drops it
			delete(r.latest, old.path)
			drop = append(drop, old.path)
		}
	}
	if cap(r.queue) > 2*len(r.queue)+64 {
		r.queue = append([]retainedListing(nil), r.queue...)
	}
	r.mu.Unlock()
	for _, p := range drop {
		t.listings.Forget(p)
	}
}
