package csstest

import (
	"slices"
	"strings"
	"sync"
)

// record is the in-memory metadata of one object, kept small so a region can
// hold a million: strings of synthetic objects are regenerated on demand.
type record struct {
	uuid    [16]byte // id of synthetic objects
	created int64    // unix seconds
	size    int64
	ext     int32 // index into region.explicit; -1 for synthetic objects
	kind    uint8
	state   uint8
	live    bool
}

// explicitObj holds the strings of an object added by Add, Dir or a hard case.
type explicitObj struct {
	id, typ, name, mime string
	tags                []Tag
	updated             int64
	src                 source
	exactChecksum       bool // hash even when large (real files, given bytes)
	customerID, userID  string
	bucketID            string
}

// transition is a scheduled state change (restore and its expiry).
type transition struct {
	at    int64 // unix nanoseconds
	state uint8
	then  *transition
}

// region is one region's object store.
type region struct {
	name string
	key  uint64

	mu       sync.RWMutex
	recs     []record // arena: a handle is an index; synthetic handle == generation index
	explicit []*explicitObj
	order    []int32            // live handles sorted by (created, id)
	byType   map[string][]int32 // live handles of each type, in order's order
	synthIDs map[[16]byte]int32
	otherIDs map[string]int32
	version  uint64 // bumped on every change; invalidates cached searches
	hard     map[string]string
	pending  map[int32]*transition
	failed   bool
	avail    availCounts // see index.go
}

func newRegion(name string, key uint64) *region {
	return &region{
		name:     name,
		key:      key,
		synthIDs: map[[16]byte]int32{},
		otherIDs: map[string]int32{},
		hard:     map[string]string{},
		pending:  map[int32]*transition{},
	}
}

// idOf is the object id of handle h.
func (rg *region) idOf(h int32) string {
	r := &rg.recs[h]
	if r.ext >= 0 {
		return rg.explicit[r.ext].id
	}
	return formatUUID(r.uuid)
}

// lookup finds a live object's handle by id. Caller holds mu.
func (rg *region) lookup(id string) (int32, bool) {
	if h, ok := rg.otherIDs[id]; ok {
		return h, true
	}
	if u, ok := parseUUID(id); ok {
		if h, ok := rg.synthIDs[u]; ok {
			return h, true
		}
	}
	return 0, false
}

// cmp orders handles by createdTime, then id, so paging is stable.
func (rg *region) cmp(a, b int32) int {
	ra, rb := &rg.recs[a], &rg.recs[b]
	if ra.created != rb.created {
		if ra.created < rb.created {
			return -1
		}
		return 1
	}
	if ra.ext < 0 && rb.ext < 0 {
		return slices.Compare(ra.uuid[:], rb.uuid[:])
	}
	return strings.Compare(rg.idOf(a), rg.idOf(b))
}

// insert adds a record (and its explicit part, if any) and indexes it. Caller holds mu.
func (rg *region) insert(r record, ex *explicitObj) int32 {
	r.ext = -1
	if ex != nil {
		r.ext = int32(len(rg.explicit))
		rg.explicit = append(rg.explicit, ex)
	}
	r.live = true
	h := int32(len(rg.recs))
	rg.recs = append(rg.recs, r)
	if ex != nil {
		rg.otherIDs[ex.id] = h
	} else {
		rg.synthIDs[r.uuid] = h
	}
	pos, _ := slices.BinarySearchFunc(rg.order, h, rg.cmp)
	rg.order = slices.Insert(rg.order, pos, h)
	typ := rg.typeName(h)
	of := rg.byType[typ]
	pos, _ = slices.BinarySearchFunc(of, h, rg.cmp)
	if rg.byType == nil {
		rg.byType = map[string][]int32{}
	}
	rg.byType[typ] = slices.Insert(of, pos, h)
	rg.version++
	return h
}

// remove makes an object vanish. Caller holds mu.
func (rg *region) remove(h int32) {
	r := &rg.recs[h]
	if !r.live {
		return
	}
	if pos, found := slices.BinarySearchFunc(rg.order, h, rg.cmp); found {
		rg.order = slices.Delete(rg.order, pos, pos+1)
	}
	typ := rg.typeName(h)
	if pos, found := slices.BinarySearchFunc(rg.byType[typ], h, rg.cmp); found {
		rg.byType[typ] = slices.Delete(rg.byType[typ], pos, pos+1)
	}
	if r.ext >= 0 {
		delete(rg.otherIDs, rg.explicit[r.ext].id)
	} else {
		delete(rg.synthIDs, r.uuid)
	}
	delete(rg.pending, h)
	r.live = false
	rg.version++
}

// setState changes an object's state. Caller holds mu.
func (rg *region) setState(h int32, st uint8) {
	if rg.recs[h].state != st {
		rg.recs[h].state = st
		rg.version++
	}
}

// settle applies due scheduled transitions; it takes the write lock only
// when something is pending.
func (rg *region) settle(now int64) {
	rg.mu.RLock()
	n := len(rg.pending)
	rg.mu.RUnlock()
	if n == 0 {
		return
	}
	rg.mu.Lock()
	defer rg.mu.Unlock()
	for h, t := range rg.pending {
		for t != nil && t.at <= now {
			rg.setState(h, t.state)
			t = t.then
		}
		if t == nil {
			delete(rg.pending, h)
		} else {
			rg.pending[h] = t
		}
	}
}

// typeName is the `type` of handle h.
func (rg *region) typeName(h int32) string {
	r := &rg.recs[h]
	if r.ext >= 0 {
		return rg.explicit[r.ext].typ
	}
	return kinds[r.kind].name
}

// mimeOf is the mimeType of handle h.
func (rg *region) mimeOf(h int32) string {
	r := &rg.recs[h]
	if r.ext >= 0 {
		return rg.explicit[r.ext].mime
	}
	return kinds[r.kind].mime
}
