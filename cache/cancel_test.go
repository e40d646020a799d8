package cache

import (
	"context"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
)

// Through the real client: when the last reader that wants a span lets
// go, its request stops, and the emulator serves a small part of it.
func TestReleasedSpanStopsItsDownload(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Regions: []string{"uk"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	obj := emu.Add("uk", csstest.ObjectSpec{Type: "screenrecording", Name: "a.mp4", Created: time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), Size: 4 << 20})
	api, err := client.New(client.Config{BaseURL: emu.URL, Key: emu.Key, Secret: emu.Secret})
	if err != nil {
		t.Fatal(err)
	}
	const bs, blocks = 64 << 10, 32
	b, err := NewBlocks(api, BlockConfig{BlockSize: bs, MaxBytes: 16 << 20, AheadBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// 256 kB/s: the span's 2 MiB would take 8 s.
	emu.SetFaults(csstest.Faults{Bandwidth: 256 << 10})
	ref := Ref{Region: "uk", ID: obj.ID, Size: obj.StoredBytes}
	held := spanSet{}
	if covered, sent := b.prefetchSpan(ref, 0, blocks, held); covered != blocks || !sent {
		t.Fatalf("prefetchSpan = %d, %v", covered, sent)
	}
	if _, err := b.Block(context.Background(), ref, 0); err != nil { // the stream is flowing
		t.Fatal(err)
	}
	b.release(held, nil)
	settle(b)
	if served := emu.ContentBytes(); served >= blocks*bs/2 {
		t.Errorf("the emulator served %d bytes of a %d-byte span released after its first block", served, blocks*bs)
	}
	if st := b.Stats(); st.SpansCancelled != 1 {
		t.Errorf("%d spans cancelled, want 1", st.SpansCancelled)
	}
}
