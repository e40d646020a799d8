package tree

import (
	"encoding/binary"
	"encoding/hex"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cssfs/cssfs/client"
)

// fileTable is a directory of objects as a listing keeps it: one fixed,
// pointer-free record per file or sidecar, sorted by name, and their names
// in one byte arena. Entries are made from it when asked for. A walk of a
// million objects keeps a million of these for their TTL, so a record is
// what a listing, a lookup, a stat and an open need, in about 100 bytes;
// the rest of the metadata (for xattrs and sidecars) is kept beside it in
// meta, which the tree drops first when it holds too much (retain.go),
// and fetched again per object when asked for.
type fileTable struct {
	dir, region string
	blockSize   int64
	recs        []fileRec
	arena       []byte                   // each record's name, then what did not fit the record (see appendRec)
	meta        atomic.Pointer[metaBlob] // nil once dropped
}

// fileRec is one file or sidecar: 32 bytes, the rest in the arena.
type fileRec struct {
	id      [16]byte // the object id as a UUID (flagUUID), else in the arena
	created int64    // UnixNano of createdTime, unless flagWideTimes
	off     uint32   // where its name starts in the arena
	flags   uint8
}

const (
	flagSidecar   uint8 = 1 << iota // a NAME.meta.json
	flagAvailable                   // objectState AVAILABLE
	flagShared
	flagUUID      // id holds the object id
	flagWideTimes // a time UnixNano cannot hold (or zero) is in the arena
)

// metaBlob is the rest of each record's metadata: packed strings and tags
// (see packed.go), at[i] where record i's starts.
type metaBlob struct {
	blob []byte
	at   []uint32
}

// tableItem is one entry to put in a fileTable.
type tableItem struct {
	name    string
	o       *client.Object
	sidecar []byte // the JSON of a sidecar; nil for the object itself
}

func newFileTable(dir, region string, blockSize int64, items []tableItem) *fileTable {
	sort.SliceStable(items, func(i, j int) bool { return items[i].name < items[j].name })
	ft := &fileTable{dir: dir, region: region, blockSize: blockSize, recs: make([]fileRec, len(items))}
	meta := &metaBlob{at: make([]uint32, len(items))}
	metaOf := map[*client.Object]uint32{} // a sidecar shares its object's
	for i, it := range items {
		ft.recs[i] = ft.appendRec(it)
		at, ok := metaOf[it.o]
		if !ok {
			at = uint32(len(meta.blob))
			meta.blob = appendMeta(meta.blob, it.o)
			metaOf[it.o] = at
		}
		meta.at[i] = at
	}
	ft.arena = trim(ft.arena)
	meta.blob = trim(meta.blob)
	ft.meta.Store(meta)
	return ft
}

func trim(b []byte) []byte {
	if cap(b) > len(b)+len(b)/8 {
		return append([]byte(nil), b...)
	}
	return b
}

// appendRec writes its name to the arena, then its id unless it is a
// UUID, its MIME type (an index into strs when interned), its size (a
// sidecar's: its JSON's), and its updatedTime after createdTime (both
// times when they are wide), and returns its record.
func (ft *fileTable) appendRec(it tableItem) fileRec {
	o := it.o
	r := fileRec{off: uint32(len(ft.arena))}
	size := o.StoredBytes
	if it.sidecar != nil {
		r.flags |= flagSidecar
		size = int64(len(it.sidecar))
	}
	if o.Available() {
		r.flags |= flagAvailable
	}
	if o.Shared {
		r.flags |= flagShared
	}
	a := appendString(ft.arena, it.name)
	if id, ok := parseUUID(o.ID); ok {
		r.id, r.flags = id, r.flags|flagUUID
	} else {
		a = appendString(a, o.ID)
	}
	if i, ok := strs.index(o.MimeType); ok {
		a = binary.AppendUvarint(a, uint64(i)<<1|1)
	} else {
		a = binary.AppendUvarint(a, uint64(len(o.MimeType))<<1)
		a = append(a, o.MimeType...)
	}
	a = binary.AppendVarint(a, size)
	if c, u, ok := nanos(o.CreatedTime, o.UpdatedTime); ok {
		r.created = c
		a = binary.AppendVarint(a, u-c) // wraps past 292 years, and adding it back unwraps
	} else {
		r.flags |= flagWideTimes
		for _, t := range []time.Time{o.CreatedTime, o.UpdatedTime} {
			a = binary.AppendVarint(a, t.Unix())
			a = binary.AppendUvarint(a, uint64(t.Nanosecond()))
		}
	}
	ft.arena = a
	return r
}

// nanos gives both times as UnixNano when that holds them exactly.
func nanos(c, u time.Time) (int64, int64, bool) {
	ok := func(t time.Time) bool { return !t.IsZero() && t.Year() >= 1678 && t.Year() < 2262 }
	if !ok(c) || !ok(u) {
		return 0, 0, false
	}
	return c.UnixNano(), u.UnixNano(), true
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// rec is record i decoded.
type rec struct {
	*fileRec
	name, id, mime   string
	size             int64
	created, updated time.Time
}

// nameAt is record i's name, without copying it.
func (ft *fileTable) nameAt(i int) []byte {
	b := ft.arena[ft.recs[i].off:]
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}

func (ft *fileTable) rec(i int) rec {
	r := rec{fileRec: &ft.recs[i]}
	b := ft.arena[r.off:]
	str := func() string {
		n, k := binary.Uvarint(b)
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s
	}
	r.name = str()
	if r.flags&flagUUID != 0 {
		r.id = formatUUID(r.fileRec.id)
	} else {
		r.id = str()
	}
	v, k := binary.Uvarint(b)
	b = b[k:]
	if v&1 == 1 {
		r.mime = strs.get(uint32(v >> 1))
	} else {
		r.mime, b = string(b[:v>>1]), b[v>>1:]
	}
	r.size, k = binary.Varint(b)
	b = b[k:]
	if r.flags&flagWideTimes == 0 {
		d, _ := binary.Varint(b)
		r.created, r.updated = time.Unix(0, r.fileRec.created).UTC(), time.Unix(0, r.fileRec.created+d).UTC()
		return r
	}
	wide := func() time.Time {
		s, k := binary.Varint(b)
		b = b[k:]
		ns, k := binary.Uvarint(b)
		b = b[k:]
		return time.Unix(s, int64(ns)).UTC() // the zero time comes back as itself
	}
	r.created = wide()
	r.updated = wide()
	return r
}

// find is the index of the record named name.
func (ft *fileTable) find(name string) (int, bool) {
	i := sort.Search(len(ft.recs), func(i int) bool { return string(ft.nameAt(i)) >= name })
	return i, i < len(ft.recs) && string(ft.nameAt(i)) == name
}

// entry is record i as an Entry.
func (ft *fileTable) entry(i int) Entry {
	r := ft.rec(i)
	e := Entry{Name: r.name, Path: childPath(ft.dir, r.name), Kind: File, Region: ft.region, ObjectID: r.id, file: ft, at: int32(i)}
	o := client.Object{ID: r.id, StoredBytes: r.size, CreatedTime: r.created, UpdatedTime: r.updated}
	if r.flags&flagAvailable != 0 {
		o.ObjectState = client.StateAvailable
	}
	if r.flags&flagSidecar != 0 {
		e.Kind = Sidecar
		e.Attr = fileAttr(sidecarIno(ft.region, r.id), &o, ft.blockSize)
		e.Attr.Mode = fileMode // metadata can always be read
		return e
	}
	e.Attr = fileAttr(inodeOf(ft.region, r.id), &o, ft.blockSize)
	return e
}

// object is record i's whole metadata, or false once it has been dropped.
func (ft *fileTable) object(i int) (*client.Object, bool) {
	m := ft.meta.Load()
	if m == nil {
		return nil, false
	}
	r := ft.rec(i)
	o := decodeMeta(m.blob[m.at[i]:])
	o.CreatedTime, o.UpdatedTime, o.Shared = r.created, r.updated, r.flags&flagShared != 0
	return o, true
}

// metaBytes is what dropping meta frees.
func (ft *fileTable) metaBytes() int {
	if m := ft.meta.Load(); m != nil {
		return len(m.blob) + 4*len(m.at)
	}
	return 0
}

func (ft *fileTable) dropMeta() { ft.meta.Store(nil) }

// parseUUID reads a lowercase canonical UUID; any other id (upper case,
// no dashes, not a UUID) is kept as written.
func parseUUID(s string) (id [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' || strings.ToLower(s) != s {
		return id, false
	}
	h := s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, false
	}
	return id, true
}

func formatUUID(id [16]byte) string {
	var b [36]byte
	hex.Encode(b[:8], id[:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:], id[10:])
	return string(b[:])
}
