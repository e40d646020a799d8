package tree

import (
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cssfs/cssfs/client"
)

// packed is an object's metadata as a listing keeps it: the strings and
// tags in one byte slice, decoded only when asked for (open, xattrs). A
// walk keeps every listed object for the listing's TTL, and a decoded
// client.Object costs three times as much in string headers, tag structs
// and allocations.
type packed struct {
	blob      []byte // packedFields then each tag's key and value, each a uvarint length<<1 and its bytes, or index<<1|1 into strs
	size      int64
	created   time.Time
	updated   time.Time
	available bool
	shared    bool
}

// packedFields are the object's string fields, in blob order.
func packedFields(o *client.Object) []*string {
	return []*string{&o.ID, &o.Type, &o.MimeType, &o.ObjectName, &o.ChecksumType, &o.Checksum,
		&o.CustomerID, &o.UserID, &o.BucketID, &o.ObjectState}
}

func pack(o *client.Object) *packed {
	n := 0
	fields := packedFields(o)
	for _, f := range fields {
		n += binary.MaxVarintLen32 + len(*f)
	}
	for _, t := range o.Tags {
		n += 2*binary.MaxVarintLen32 + len(t.Key) + len(t.Value)
	}
	blob := make([]byte, 0, n)
	put := func(s string, intern bool) {
		if intern {
			if i, ok := strs.index(s); ok {
				blob = binary.AppendUvarint(blob, uint64(i)<<1|1)
				return
			}
		}
		blob = binary.AppendUvarint(blob, uint64(len(s))<<1)
		blob = append(blob, s...)
	}
	for i, f := range fields {
		put(*f, internedField[i])
	}
	for _, t := range o.Tags {
		put(t.Key, true)
		put(t.Value, false)
	}
	return &packed{blob: slices.Clone(blob), size: o.StoredBytes, created: o.CreatedTime, updated: o.UpdatedTime,
		available: o.Available(), shared: o.Shared}
}

// internedField tells, in packedFields order, the fields that take few
// values across a tenant (type, MIME type, checksum type, customer, user,
// bucket, state): a listing keeps an index into strs instead of the bytes.
var internedField = []bool{false, true, true, false, true, false, true, true, true, true}

// strs holds the strings listings share: those of internedField and tag
// keys. It is bounded: once full, new strings are kept in each blob.
var strs = &internTable{byString: map[string]uint32{}}

const (
	maxInterned    = 1 << 14
	maxInternedLen = 128
)

type internTable struct {
	mu       sync.RWMutex
	all      []string
	byString map[string]uint32
}

// index is s's index, adding s while there is room.
func (t *internTable) index(s string) (uint32, bool) {
	if len(s) > maxInternedLen {
		return 0, false
	}
	t.mu.RLock()
	i, ok := t.byString[s]
	t.mu.RUnlock()
	if ok {
		return i, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.byString[s]; ok {
		return i, true
	}
	if len(t.all) >= maxInterned {
		return 0, false
	}
	s = strings.Clone(s)
	i = uint32(len(t.all))
	t.all = append(t.all, s)
	t.byString[s] = i
	return i, true
}

func (t *internTable) get(i uint32) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.all[i]
}

// object decodes p.
func (p *packed) object() *client.Object {
	o := &client.Object{StoredBytes: p.size, CreatedTime: p.created, UpdatedTime: p.updated, Shared: p.shared}
	b := p.blob
	next := func() string {
		v, k := binary.Uvarint(b)
		b = b[k:]
		if v&1 == 1 {
			return strs.get(uint32(v >> 1))
		}
		n := int(v >> 1)
		s := string(b[:n])
		b = b[n:]
		return s
	}
	for _, f := range packedFields(o) {
		*f = next()
	}
	for len(b) > 0 {
		t := client.Tag{Key: next()}
		t.Value = next()
		o.Tags = append(o.Tags, t)
	}
	return o
}
