package cache

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// streamFetcher is a fakeFetcher that also streams ranges, in odd-sized
// chunks, and remembers the size of every request.
type streamFetcher struct {
	fakeFetcher
	mu       sync.Mutex
	sizes    []int64
	failAt   int64 // when > 0, a stream crossing this offset fails there once
	hold     chan struct{}
	chunkLen int
	copying  bool // hand chunks over in a buffer of its own, as for a 200

	ends    chan int64    // when set, told how many bytes each stream delivered
	holding chan struct{} // when set, told when a stream is held
}

func (f *streamFetcher) ReadRange(ctx context.Context, region, id string, off int64, p []byte, spill func(int64, []byte)) (int, error) {
	f.mu.Lock()
	f.sizes = append(f.sizes, int64(len(p)))
	f.mu.Unlock()
	return f.fakeFetcher.ReadRange(ctx, region, id, off, p, spill)
}

// StreamRangeInto reads in place, as the client does with a 206: each
// chunk is copied into into's buffer and handed to sink from there (unless
// copying).
func (f *streamFetcher) StreamRangeInto(ctx context.Context, region, id string, off, n int64, into func(int64) []byte, sink, spill func(int64, []byte)) error {
	f.calls.Add(1)
	f.mu.Lock()
	f.sizes = append(f.sizes, n)
	failAt := f.failAt
	if failAt > off && failAt < off+n {
		f.failAt = 0
	}
	f.mu.Unlock()
	deliver := func(o int64, b []byte) {
		if f.copying {
			sink(o, append([]byte(nil), b...))
			return
		}
		for len(b) > 0 {
			dst := into(o)
			k := copy(dst, b)
			sink(o, dst[:k])
			o, b = o+int64(k), b[k:]
		}
	}
	chunk := int64(max(f.chunkLen, 1))
	for o := off; o < off+n; o += chunk {
		if failAt > off && o+chunk > failAt && failAt < off+n {
			deliver(o, f.content[o:failAt])
			return errors.New("connection reset")
		}
		deliver(o, f.content[o:min(o+chunk, off+n)])
		if f.hold != nil && o == off {
			if f.holding != nil {
				f.holding <- struct{}{}
			}
			select { // the first chunk is out; the rest waits
			case <-f.hold:
			case <-ctx.Done():
				f.ended(min(chunk, n))
				return ctx.Err()
			}
		}
	}
	f.ended(n)
	return nil
}

// ended tells ends (when set) how many bytes a stream delivered.
func (f *streamFetcher) ended(n int64) {
	if f.ends != nil {
		f.ends <- n
	}
}

// streamEnded is how many bytes the next stream to end delivered; the
// test fails if none ends in time.
func (f *streamFetcher) streamEnded(t *testing.T) int64 {
	t.Helper()
	select {
	case n := <-f.ends:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("the stream is still running")
		return 0
	}
}

func (f *streamFetcher) requests() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.sizes...)
}

// settle waits for every fetch on its way.
func settle(b *Blocks) {
	b.mu.Lock()
	var fs []*fetch
	for _, f := range b.pending {
		fs = append(fs, f)
	}
	b.mu.Unlock()
	for _, f := range fs {
		<-f.done
	}
}

// readSequentially reads all of r with reads of size n, as cat does.
func readSequentially(t *testing.T, rd *Reader, size, n int64) []byte {
	t.Helper()
	out := make([]byte, 0, size)
	p := make([]byte, n)
	for off := int64(0); off < size; {
		k, err := rd.ReadAt(context.Background(), p, off)
		if err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		out = append(out, p[:k]...)
		off += int64(k)
	}
	return out
}

func TestSequentialReadStreamsGrowingSpans(t *testing.T) {
	for _, copying := range []bool{false, true} {
		sequentialReadStreamsGrowingSpans(t, copying)
	}
}

func sequentialReadStreamsGrowingSpans(t *testing.T, copying bool) {
	const bs, size = 1024, 1000*1024 + 77
	f := &streamFetcher{fakeFetcher: fakeFetcher{content: pattern(size)}, chunkLen: 333, copying: copying}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: bs, MaxBytes: 4 << 20, AheadBytes: 256 * bs, MaxSpan: 64 * bs})
	defer b.Close()
	rd := b.NewReader(Ref{Region: "uk", ID: "x", Size: size}, 256*bs)
	if got := readSequentially(t, rd, size, 700); !bytes.Equal(got, f.content) {
		t.Fatal("wrong bytes")
	}
	sizes := f.requests()
	// 1001 blocks: a few single blocks, then 2, 4, ... 64 blocks a request.
	if len(sizes) > 24 {
		t.Errorf("%d requests for 1001 blocks: %v", len(sizes), sizes)
	}
	if biggest := sizes[len(sizes)/2]; biggest != 64*bs {
		t.Errorf("requests did not grow to 64 blocks: %v", sizes)
	}
}

func TestSeekFallsBackToOneBlock(t *testing.T) {
	const bs, size = 1024, 512 * 1024
	f := &streamFetcher{fakeFetcher: fakeFetcher{content: pattern(size)}, chunkLen: 1000}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: bs, MaxBytes: 4 << 20, AheadBytes: 128 * bs, MaxSpan: 32 * bs})
	defer b.Close()
	rd := b.NewReader(Ref{Region: "uk", ID: "x", Size: size}, 128*bs)
	readSequentially(t, rd, 64*bs, bs) // grows the spans
	settle(b)
	before := len(f.requests())
	p := make([]byte, 10)
	for _, off := range []int64{400 * bs, 200*bs + 5, 300 * bs} {
		if _, err := rd.ReadAt(context.Background(), p, off); err != nil || !bytes.Equal(p, f.content[off:off+10]) {
			t.Fatalf("read at %d: %v", off, err)
		}
	}
	after := f.requests()[before:]
	for _, s := range after {
		if s != bs {
			t.Fatalf("after seeks, requests of %v bytes; want one block each", after)
		}
	}
}

func TestBlocksOfASpanAreServedBeforeItEnds(t *testing.T) {
	const bs, size = 1024, 64 * 1024
	f := &streamFetcher{fakeFetcher: fakeFetcher{content: pattern(size)}, chunkLen: bs, hold: make(chan struct{})}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: bs, MaxBytes: 1 << 20, AheadBytes: 64 * bs})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: size}
	if covered, sent := b.PrefetchSpan(r, 0, 16); covered != 16 || !sent {
		t.Fatalf("PrefetchSpan = %d, %v", covered, sent)
	}
	data, err := b.Block(context.Background(), r, 0) // the stream is held after its first block
	if err != nil || !bytes.Equal(data, f.content[:bs]) {
		t.Fatalf("block 0: %v", err)
	}
	close(f.hold)
	data, err = b.Block(context.Background(), r, 15)
	if err != nil || !bytes.Equal(data, f.content[15*bs:16*bs]) {
		t.Fatalf("block 15: %v", err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d requests for one span", n)
	}
}

func TestFailedSpanIsFetchedAgain(t *testing.T) {
	const bs, size = 1024, 64 * 1024
	f := &streamFetcher{fakeFetcher: fakeFetcher{content: pattern(size)}, chunkLen: 300, failAt: 5*bs + 17}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: bs, MaxBytes: 1 << 20, AheadBytes: 64 * bs})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: size}
	b.PrefetchSpan(r, 0, 16)
	for idx := range int64(5) {
		if data, err := b.Block(context.Background(), r, idx); err != nil || !bytes.Equal(data, f.content[idx*bs:(idx+1)*bs]) {
			t.Fatalf("block %d before the failure: %v", idx, err)
		}
	}
	// The blocks the failure cut off are forgotten: the next read asks
	// again and gets them.
	all := make([]byte, size)
	if n, err := b.ReadAt(context.Background(), r, all, 0); err != nil || n != size || !bytes.Equal(all, f.content) {
		t.Fatalf("re-read: %d %v", n, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ahead < 0 {
		t.Errorf("prefetch budget went negative: %d", b.ahead)
	}
}

// ReadView hands out the cached block itself for a read inside one block
// (the mount replies from it without a copy) and copies a read that spans
// blocks into p; the bytes are right either way.
func TestReadViewSharesTheBlock(t *testing.T) {
	const bs, size = 1024, 8*1024 + 100
	f := &streamFetcher{fakeFetcher: fakeFetcher{content: pattern(size)}, chunkLen: 333}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: bs, MaxBytes: 1 << 20, AheadBytes: 64 * bs})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: size}
	rd := b.NewReader(r, 64*bs)
	ctx := context.Background()
	for _, tc := range []struct {
		off, n int64
		shared bool
	}{{0, bs, true}, {bs + 10, 100, true}, {3*bs - 10, 20, false}, {8 * bs, 1000, true}, {size - 50, 1000, true}, {size, 10, false}} {
		p := make([]byte, tc.n)
		v, release, err := rd.ReadView(ctx, p, tc.off)
		want := f.content[min(tc.off, size):min(tc.off+tc.n, size)]
		if err != nil || !bytes.Equal(v, want) {
			t.Fatalf("ReadView(%d, %d): %v, bytes equal %v", tc.off, tc.n, err, bytes.Equal(v, want))
		}
		if len(v) == 0 {
			continue
		}
		block := rd.recent.get(tc.off / bs) // the block the read used
		if shared := &v[0] == &block.data[tc.off%bs]; shared != tc.shared {
			t.Errorf("ReadView(%d, %d): shares the block = %v, want %v", tc.off, tc.n, shared, tc.shared)
		}
		block.release()
		release()
	}
}

// readBlocks reads blocks [from, to) of rd one block at a time, checking
// the bytes.
func readBlocks(t *testing.T, rd *Reader, content []byte, bs, from, to int64) {
	t.Helper()
	p := make([]byte, bs)
	for idx := from; idx < to; idx++ {
		if n, err := rd.ReadAt(context.Background(), p, idx*bs); err != nil || !bytes.Equal(p[:n], content[idx*bs:idx*bs+int64(n)]) {
			t.Fatalf("block %d: %v", idx, err)
		}
	}
}

// A reader that seeks far away stops the span it sent ahead: the request
// ends after the bytes it had delivered, and the block it did not deliver
// is fetched again when wanted after all.
func TestSeekAwayCancelsTheSpan(t *testing.T) {
	const bs, size = 1024, 1024 * 1024
	f := &streamFetcher{fakeFetcher: fakeFetcher{content: pattern(size)}, chunkLen: bs, hold: make(chan struct{}), ends: make(chan int64, 8)}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: bs, MaxBytes: 4 << 20, AheadBytes: 256 * bs})
	defer b.Close()
	rd := b.NewReader(Ref{Region: "uk", ID: "x", Size: size}, 128*bs)
	defer rd.Close()
	// Two blocks in a row: a span of blocks 2-3 goes out; wait for its first.
	readBlocks(t, rd, f.content, bs, 0, 2)
	if _, err := b.Block(context.Background(), rd.r, 2); err != nil {
		t.Fatal(err)
	}
	if got := f.requests(); len(got) != 3 || slices.Max(got) != 2*bs {
		t.Fatalf("requests %v, want two blocks and a span of two", got)
	}
	readBlocks(t, rd, f.content, bs, 900, 901) // a seek
	if got := f.streamEnded(t); got != bs {
		t.Fatalf("the span delivered %d bytes before it ended; want %d, the one block it had sent", got, bs)
	}
	settle(b)
	if st := b.Stats(); st.SpansCancelled != 1 || st.Ahead != 0 {
		t.Errorf("stats after the seek: %+v; want 1 span cancelled, nothing left ahead", st)
	}
	readBlocks(t, rd, f.content, bs, 3, 4) // the cut-off block, wanted after all
}

// A span that another reader of the object also wants goes on when the
// reader that sent it seeks away, and stops only when that one closes too.
func TestSharedSpanOutlivesOneReader(t *testing.T) {
	const bs, size = 1024, 1024 * 1024
	f := &streamFetcher{fakeFetcher: fakeFetcher{content: pattern(size)}, chunkLen: bs, hold: make(chan struct{}), holding: make(chan struct{}, 1), ends: make(chan int64, 8)}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: bs, MaxBytes: 4 << 20, AheadBytes: 256 * bs})
	defer b.Close()
	ref := Ref{Region: "uk", ID: "x", Size: size}
	first, second := b.NewReader(ref, 128*bs), b.NewReader(ref, 128*bs)
	readBlocks(t, first, f.content, bs, 0, 2) // sends the span of blocks 2-3
	<-f.holding
	readBlocks(t, second, f.content, bs, 0, 2) // its window covers that span
	if st := b.Stats(); st.Spans != 1 {
		t.Fatalf("%d spans, want the second reader to share the first one's", st.Spans)
	}
	readBlocks(t, first, f.content, bs, 900, 901) // first seeks away
	if st := b.Stats(); st.SpansCancelled != 0 {
		t.Fatalf("span cancelled while another reader wants it")
	}
	first.Close()
	second.Close() // nobody wants it now
	if got := f.streamEnded(t); got != bs {
		t.Errorf("the span delivered %d bytes; want %d, then stopped when both readers closed", got, bs)
	}
}

// A reader that joined a span's block and then saw the span cancelled
// (the span's holders went elsewhere) gets the block by itself.
func TestJoinedBlockOfCancelledSpanIsFetchedAlone(t *testing.T) {
	const bs, size = 1024, 64 * 1024
	f := &streamFetcher{fakeFetcher: fakeFetcher{content: pattern(size)}, chunkLen: bs, hold: make(chan struct{}), holding: make(chan struct{}, 1), ends: make(chan int64, 8)}
	b, _ := NewBlocks(f, BlockConfig{BlockSize: bs, MaxBytes: 1 << 20, AheadBytes: 64 * bs})
	defer b.Close()
	ref := Ref{Region: "uk", ID: "x", Size: size}
	held := spanSet{}
	b.prefetchSpan(ref, 0, 8, held)
	<-f.holding
	joined := b.get(ref, 5) // on its way, in the span
	b.release(held, nil)
	k, err := b.await(context.Background(), ref, 5, joined)
	if err != nil || !bytes.Equal(k.data, f.content[5*bs:6*bs]) {
		t.Fatalf("block 5 after its span was cancelled: %v", err)
	}
	k.release()
}
