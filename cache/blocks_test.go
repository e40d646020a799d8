package cache

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeFetcher serves content from memory and counts requests. With whole
// set it behaves like a server that ignores Range: it spills everything.
type fakeFetcher struct {
	content []byte
	whole   bool
	calls   atomic.Int64
	gate    chan struct{} // when set, every fetch waits for it
	entered chan struct{} // when set, told of every fetch as it starts
	fail    error
}

func (f *fakeFetcher) ReadRange(ctx context.Context, region, id string, off int64, p []byte, spill func(int64, []byte)) (int, error) {
	f.calls.Add(1)
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.gate != nil {
		<-f.gate
	}
	if f.fail != nil {
		return 0, f.fail
	}
	if f.whole && spill != nil {
		// Spill in odd-sized chunks, as a streaming body would.
		spillRange := func(from, to int64) {
			for o := from; o < to; o += 333 {
				spill(o, f.content[o:min(o+333, to)])
			}
		}
		spillRange(0, off)
		spillRange(off+int64(len(p)), int64(len(f.content)))
	}
	return copy(p, f.content[off:]), nil
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestReadAtAcrossBlocks(t *testing.T) {
	f := &fakeFetcher{content: pattern(10_000)}
	b, err := NewBlocks(f, BlockConfig{BlockSize: 1024, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: 10_000}
	for _, c := range []struct{ off, n int }{{0, 10}, {1000, 100}, {1023, 2}, {0, 10_000}, {9990, 100}, {5000, 3000}} {
		p := make([]byte, c.n)
		n, err := b.ReadAt(context.Background(), r, p, int64(c.off))
		want := f.content[c.off:min(c.off+c.n, len(f.content))]
		if err != nil || !bytes.Equal(p[:n], want) {
			t.Errorf("ReadAt(%d, %d) = %d, %v; bytes equal: %v", c.off, c.n, n, err, bytes.Equal(p[:n], want))
		}
	}
	if n, _ := b.ReadAt(context.Background(), r, make([]byte, 10), 10_000); n != 0 {
		t.Errorf("read at EOF returned %d bytes", n)
	}
}

func TestConcurrentReadersShareOneFetch(t *testing.T) {
	f := &fakeFetcher{content: pattern(4096), gate: make(chan struct{})}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: 4096})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: 4096}
	var wg sync.WaitGroup
	started := make(chan struct{}, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started <- struct{}{}
			p := make([]byte, 100)
			if _, err := b.ReadAt(context.Background(), r, p, 0); err != nil || !bytes.Equal(p, f.content[:100]) {
				t.Error("wrong bytes", err)
			}
		}()
	}
	for range 16 {
		<-started
	}
	close(f.gate)
	wg.Wait()
	if n := f.calls.Load(); n > 16 || n < 1 {
		t.Fatalf("%d fetches", n)
	}
	b.lru.Wait()
	before := f.calls.Load()
	b.ReadAt(context.Background(), r, make([]byte, 10), 0)
	if f.calls.Load() != before {
		t.Errorf("a cached block was fetched again")
	}
}

func TestCancelledReaderDoesNotFailOthers(t *testing.T) {
	f := &fakeFetcher{content: pattern(4096), gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: 4096})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: 4096}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := b.Block(ctx, r, 0); done <- err }()
	<-f.entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled reader got %v", err)
	}
	close(f.gate)
	data, err := b.Block(context.Background(), r, 0)
	if err != nil || !bytes.Equal(data, f.content) {
		t.Fatalf("second reader: %v", err)
	}
}

func TestSpilledBlocksAreCached(t *testing.T) {
	f := &fakeFetcher{content: pattern(10_000), whole: true}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: 1024, MaxBytes: 1 << 20})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: 10_000}
	p := make([]byte, 1024)
	if _, err := b.ReadAt(context.Background(), r, p, 2048); err != nil {
		t.Fatal(err)
	}
	b.lru.Wait()
	all := make([]byte, 10_000)
	n, err := b.ReadAt(context.Background(), r, all, 0)
	if err != nil || n != 10_000 || !bytes.Equal(all, f.content) {
		t.Fatalf("read all: %d %v", n, err)
	}
	if c := f.calls.Load(); c != 1 {
		t.Errorf("%d fetches; the spilled blocks should have served the rest", c)
	}
}

func TestFetchErrorIsReturned(t *testing.T) {
	boom := errors.New("boom")
	f := &fakeFetcher{content: pattern(100), fail: boom}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: 64})
	defer b.Close()
	_, err := b.ReadAt(context.Background(), Ref{ID: "x", Size: 100}, make([]byte, 100), 0)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestPrefetchedBlocksWaitForTheirReader(t *testing.T) {
	// A cache of two blocks: ristretto alone would drop most prefetches.
	f := &fakeFetcher{content: pattern(64 * 1024)}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: 1024, MaxBytes: 2048, AheadBytes: 64 * 1024})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: 64 * 1024}
	for idx := range int64(64) {
		b.Prefetch(r, idx)
	}
	for idx := range int64(64) {
		data, err := b.Block(context.Background(), r, idx)
		if err != nil || !bytes.Equal(data, f.content[idx*1024:(idx+1)*1024]) {
			t.Fatalf("block %d: %v", idx, err)
		}
	}
	if n := f.calls.Load(); n != 64 {
		t.Errorf("%d fetches for 64 prefetched blocks; each should be fetched once", n)
	}
}

func TestPrefetchBudget(t *testing.T) {
	f := &fakeFetcher{content: pattern(64 * 1024), gate: make(chan struct{})}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: 1024, MaxBytes: 1 << 20, AheadBytes: 4 * 1024})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: 64 * 1024}
	for idx := range int64(64) {
		b.Prefetch(r, idx)
	}
	b.mu.Lock()
	started, ahead := len(b.pending), b.ahead
	b.mu.Unlock()
	close(f.gate)
	if started != 4 || ahead != 4*1024 {
		t.Errorf("%d prefetches started holding %d bytes; the budget allows 4 blocks", started, ahead)
	}
}
