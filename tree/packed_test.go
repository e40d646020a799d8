package tree

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/cssfs/cssfs/client"
)

// Repeated fields and tag keys are kept once, and the table that keeps
// them is bounded: past it, strings stay in each blob and still round-trip.
func TestPackedInternsRepeatedStringsBounded(t *testing.T) {
	a := appendMeta(nil, &client.Object{ID: "1", Type: "callrecording", Tags: []client.Tag{{Key: "direction", Value: "INBOUND"}}})
	b := appendMeta(nil, &client.Object{ID: "1", Type: "callrecording", Tags: []client.Tag{{Key: "direction", Value: "INBOUND"}}})
	if len(a) != len(b) || len(a) >= len("1callrecordingdirectionINBOUND") {
		t.Errorf("blob of %d bytes: want the type and tag key interned", len(a))
	}
	for i := range maxInterned + 100 {
		o := client.Object{ID: "x", Type: "type-" + strconv.Itoa(i), StoredBytes: int64(i), Tags: []client.Tag{{Key: "key-" + strconv.Itoa(i), Value: "v"}}}
		if got := decodeMeta(appendMeta(nil, &o)); !reflect.DeepEqual(*got, o) {
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
