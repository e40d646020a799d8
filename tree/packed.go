package tree

import (
	"encoding/binary"
	"strings"
	"sync"

	"github.com/cssfs/cssfs/client"
)

// The metadata a listing keeps beside its records (compact.go), for
// xattrs and sidecars: the object's strings, storedBytes and tags in one
// byte slice, decoded only when asked for. A decoded client.Object costs
// three times as much in string headers, tag structs and allocations.
//
// Format: uvarint length of the rest, zigzag varint storedBytes, then
// metaFields and each tag's key and value, each a uvarint length<<1 and
// its bytes, or index<<1|1 into strs.

// metaFields are the object's string fields, in blob order.
func metaFields(o *client.Object) []*string {
	return []*string{&o.ID, &o.Type, &o.MimeType, &o.ObjectName, &o.ChecksumType, &o.Checksum,
		&o.CustomerID, &o.UserID, &o.BucketID, &o.ObjectState}
}

// appendMeta appends o's blob to b.
func appendMeta(b []byte, o *client.Object) []byte {
	var blob []byte
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
	blob = binary.AppendVarint(blob, o.StoredBytes)
	for i, f := range metaFields(o) {
		put(*f, internedField[i])
	}
	for _, t := range o.Tags {
		put(t.Key, true)
		put(t.Value, false)
	}
	b = binary.AppendUvarint(b, uint64(len(blob)))
	return append(b, blob...)
}

// internedField tells, in metaFields order, the fields that take few
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

// decodeMeta decodes the blob at the start of b: every field but the
// times and Shared, which the record holds.
func decodeMeta(b []byte) *client.Object {
	n, k := binary.Uvarint(b)
	b = b[k : k+int(n)]
	o := &client.Object{}
	o.StoredBytes, k = binary.Varint(b)
	b = b[k:]
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
	for _, f := range metaFields(o) {
		*f = next()
	}
	for len(b) > 0 {
		t := client.Tag{Key: next()}
		t.Value = next()
		o.Tags = append(o.Tags, t)
	}
	return o
}
