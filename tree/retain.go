package tree

import "sync"

// DefaultMaxListed bounds the entries of the cached listings (of
// Config.MaxListed): about 60 MiB of listings. A walk over a million
// objects would otherwise keep every listing for its TTL.
const DefaultMaxListed = 100_000

// retained is the listings the cache holds, in the order they were
// stored, with their entry counts, so that the oldest go first when the
// total passes Config.MaxListed. A dropped listing is loaded again when
// next asked for, like one past its TTL.
type retained struct {
	mu     sync.Mutex
	queue  []retainedListing
	latest map[string]*Listing // by path: the last listing stored
	total  int
}

type retainedListing struct {
	path string
	l    *Listing
	n    int
}

// retain notes that l was stored for path, and drops the oldest listings
// while the total is past the bound.
func (t *Tree) retain(path string, l *Listing) {
	r := &t.retained
	var drop []string
	r.mu.Lock()
	if r.latest == nil {
		r.latest = map[string]*Listing{}
	}
	n := len(l.entries) + 1
	r.queue = append(r.queue, retainedListing{path, l, n})
	r.latest[path] = l
	r.total += n
	for r.total > t.cfg.MaxListed && len(r.queue) > 1 {
		old := r.queue[0]
		r.queue[0] = retainedListing{}
		r.queue = r.queue[1:]
		r.total -= old.n
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
