package tree

import (
	"reflect"
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
