package tree

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client"
)

func TestPackedRoundTrip(t *testing.T) {
	now := time.Date(2024, 3, 15, 10, 0, 0, 123e6, time.UTC)
	for _, o := range []client.Object{
		{},
		{ID: "id", Type: "callrecording", MimeType: "audio/wav", ObjectName: "a/b\x00é.wav", ChecksumType: "MD5", Checksum: "abc",
			CustomerID: "c", UserID: "u", BucketID: "b", ObjectState: client.StateAvailable, StoredBytes: 42,
			CreatedTime: now, UpdatedTime: now.Add(time.Second), Shared: true,
			Tags: []client.Tag{{Key: "direction", Value: "INBOUND"}, {Key: "", Value: ""}, {Key: "k", Value: string(make([]byte, 300))}}},
		{ObjectState: "ARCHIVED", StoredBytes: -1},
	} {
		p := pack(&o)
		if got := p.object(); !reflect.DeepEqual(*got, o) {
			t.Errorf("round trip:\n got %+v\nwant %+v", *got, o)
		}
		if p.available != o.Available() {
			t.Errorf("%+v: available %v", o, p.available)
		}
	}
}

// Repeated fields and tag keys are kept once, and the table that keeps
// them is bounded: past it, strings stay in each blob and still round-trip.
func TestPackedInternsRepeatedStringsBounded(t *testing.T) {
	a := pack(&client.Object{ID: "1", Type: "callrecording", Tags: []client.Tag{{Key: "direction", Value: "INBOUND"}}})
	b := pack(&client.Object{ID: "1", Type: "callrecording", Tags: []client.Tag{{Key: "direction", Value: "INBOUND"}}})
	if len(a.blob) != len(b.blob) || len(a.blob) >= len("1callrecordingdirectionINBOUND") {
		t.Errorf("blob of %d bytes: want the type and tag key interned", len(a.blob))
	}
	for i := range maxInterned + 100 {
		o := client.Object{ID: "x", Type: "type-" + strconv.Itoa(i), Tags: []client.Tag{{Key: "key-" + strconv.Itoa(i), Value: "v"}}}
		if got := pack(&o).object(); !reflect.DeepEqual(*got, o) {
			t.Fatalf("round trip %d:\n got %+v\nwant %+v", i, *got, o)
		}
	}
	strs.mu.RLock()
	n := len(strs.all)
	strs.mu.RUnlock()
	if n > maxInterned {
		t.Errorf("%d strings interned, above the bound %d", n, maxInterned)
	}
}
