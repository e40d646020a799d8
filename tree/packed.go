package tree

import (
	"encoding/binary"
	"time"

	"github.com/cssfs/cssfs/client"
)

// packed is an object's metadata as a listing keeps it: the strings and
// tags in one byte slice, decoded only when asked for (open, xattrs). A
// walk keeps every listed object for the listing's TTL, and a decoded
// client.Object costs three times as much in string headers, tag structs
// and allocations.
type packed struct {
	blob      []byte // packedFields then each tag's key and value, each a uvarint length and its bytes
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
	put := func(s string) {
		blob = binary.AppendUvarint(blob, uint64(len(s)))
		blob = append(blob, s...)
	}
	for _, f := range fields {
		put(*f)
	}
	for _, t := range o.Tags {
		put(t.Key)
		put(t.Value)
	}
	return &packed{blob: blob[:len(blob):len(blob)], size: o.StoredBytes, created: o.CreatedTime, updated: o.UpdatedTime,
		available: o.Available(), shared: o.Shared}
}

// object decodes p.
func (p *packed) object() *client.Object {
	o := &client.Object{StoredBytes: p.size, CreatedTime: p.created, UpdatedTime: p.updated, Shared: p.shared}
	b := p.blob
	next := func() string {
		n, k := binary.Uvarint(b)
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
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
