package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every buffer freed in this package's tests is poisoned, so that a read
// of a block after its release shows as wrong bytes.
func init() { poisonFreed = true }

// byteAt is the content of object id at off: every object's bytes differ
// from every other's, and from the poison.
func byteAt(id string, off int64) byte {
	h := uint64(off)*0x9E3779B97F4A7C15 + uint64(len(id))*0x100000001B3
	for _, c := range []byte(id) {
		h = (h ^ uint64(c)) * 0x100000001B3
	}
	b := byte(h >> 56)
	if b == 0xDB {
		b = 0x42
	}
	return b
}

func fill(p []byte, id string, off int64) {
	for i := range p {
		p[i] = byteAt(id, off+int64(i))
	}
}

// checkBytes reports the first byte of p that is not id's content at off.
func checkBytes(p []byte, id string, off int64) error {
	for i, c := range p {
		if want := byteAt(id, off+int64(i)); c != want {
			return fmt.Errorf("object %s byte %d is %#x, want %#x", id, off+int64(i), c, want)
		}
	}
	return nil
}

// chaosStreamer serves computed content in random chunks, in place or
// through its own buffer, sometimes spills neighbouring bytes (a server
// that ignored Range), sometimes fails a stream part way, and stops a
// stream whose context is cancelled.
type chaosStreamer struct {
	sizes    map[string]int64
	failures atomic.Int64
}

func (c *chaosStreamer) ReadRange(ctx context.Context, region, id string, off int64, p []byte, spill func(int64, []byte)) (int, error) {
	if rand.IntN(20) == 0 {
		c.failures.Add(1)
		return 0, errors.New("connection reset")
	}
	fill(p, id, off)
	if spill != nil && rand.IntN(4) == 0 { // the next few kB too
		end := min(off+int64(len(p))+int64(rand.IntN(3*4096)), c.sizes[id])
		if from := off + int64(len(p)); from < end {
			extra := make([]byte, end-from)
			fill(extra, id, from)
			spill(from, extra)
		}
	}
	return len(p), nil
}

func (c *chaosStreamer) StreamRangeInto(ctx context.Context, region, id string, off, n int64, into func(int64) []byte, sink, spill func(int64, []byte)) error {
	if n <= 0 { // as the client: nothing to ask for
		return nil
	}
	copying := rand.IntN(3) == 0
	failAt := int64(-1)
	if rand.IntN(8) == 0 {
		failAt = off + rand.Int64N(n)
	}
	for pos := off; pos < off+n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		if failAt >= 0 && pos >= failAt {
			c.failures.Add(1)
			return errors.New("connection reset")
		}
		k := min(int64(1+rand.IntN(3000)), off+n-pos)
		if copying {
			buf := make([]byte, k)
			fill(buf, id, pos)
			sink(pos, buf)
		} else {
			dst := into(pos)
			k = min(k, int64(len(dst)))
			fill(dst[:k], id, pos)
			sink(pos, dst[:k])
		}
		pos += k
		if rand.IntN(50) == 0 {
			time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		}
	}
	return nil
}

// heldView is a view not yet given back, as go-fuse holds a reply's bytes
// until it has written them.
type heldView struct {
	v       []byte
	release func()
	id      string
	off     int64
}

// Many readers on many objects through a cache of a few blocks (so
// evictions never stop), at random offsets and sizes, with spans that
// fail or are cancelled as readers seek and close: every byte every read
// returns is checked, and so is every view and block kept for a while
// (with freed buffers poisoned, a buffer reused too early shows). Buffers
// must be reused, too.
func TestRecycledBlocksAreNeverReadWrong(t *testing.T) {
	const bs = 4096
	st := &chaosStreamer{sizes: map[string]int64{}}
	var refs []Ref
	for i := range 12 {
		id := fmt.Sprintf("obj%d", i)
		size := int64(bs*(8+i*5) + i*777) // some end mid-block
		st.sizes[id] = size
		refs = append(refs, Ref{Region: "uk", ID: id, Size: size})
	}
	b, err := NewBlocks(st, BlockConfig{BlockSize: bs, MaxBytes: 12 * bs, AheadBytes: 24 * bs, MaxSpan: 8 * bs, FetchTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	readers, rounds := 16, 120
	if testing.Short() {
		rounds = 40
	}
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for g := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hammer(b, refs, rounds, g); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := b.Stats()
	t.Logf("stats: %+v; %d fetch failures", s, st.failures.Load())
	if s.Recycled == 0 {
		t.Error("no block buffer was reused")
	}
	if s.Spans == 0 || s.SpansCancelled == 0 || s.SpilledBlocks == 0 {
		t.Errorf("the test did not stream, cancel and spill: %+v", s)
	}
}

// hammer is one reader's life: it opens objects, reads them in runs of
// sequential reads and seeks, keeps some views and blocks for a while,
// and closes them.
func hammer(b *Blocks, refs []Ref, rounds, seed int) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	bs := b.BlockSize()
	var held []heldView
	giveBack := func(n int) error {
		for len(held) > n {
			i := rng.IntN(len(held))
			h := held[i]
			if err := checkBytes(h.v, h.id, h.off); err != nil {
				return fmt.Errorf("a view kept for a while changed: %w", err)
			}
			h.release()
			held = append(held[:i], held[i+1:]...)
		}
		return nil
	}
	defer func() { _ = giveBack(0) }()
	for range rounds {
		r := refs[rng.IntN(len(refs))]
		rd := b.NewReader(r, 16*bs)
		off := rng.Int64N(r.Size)
		for range 1 + rng.IntN(40) {
			if rng.IntN(6) == 0 { // a seek
				off = rng.Int64N(r.Size + bs)
			}
			n := 1 + rng.IntN(int(2*bs))
			if rng.IntN(3) == 0 {
				n = int(bs) // the kernel's reads are often whole blocks
			}
			p := make([]byte, n)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if rng.IntN(20) == 0 { // an interrupted read
				ctx, cancel = context.WithTimeout(ctx, time.Duration(rng.IntN(300))*time.Microsecond)
			}
			var got []byte
			var err error
			release := noRelease
			switch rng.IntN(3) {
			case 0:
				var k int
				k, err = rd.ReadAt(ctx, p, off)
				got = p[:k]
			case 1:
				got, release, err = rd.ReadView(ctx, p, off)
			default:
				var k int
				k, err = b.ReadAt(ctx, r, p, off)
				got = p[:k]
			}
			cancel()
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errInSpan) || bytes.Contains([]byte(err.Error()), []byte("connection reset")) {
					continue // what the chaos is for; the bytes are what matter
				}
				return fmt.Errorf("read %s at %d: %w", r.ID, off, err)
			}
			if want := min(int64(n), max(r.Size-off, 0)); int64(len(got)) != want {
				return fmt.Errorf("read %s at %d: %d bytes, want %d", r.ID, off, len(got), want)
			}
			if err := checkBytes(got, r.ID, off); err != nil {
				return err
			}
			if len(got) > 0 && &got[0] != &p[0] { // a view: keep it a while
				held = append(held, heldView{v: got, release: release, id: r.ID, off: off})
				if err := giveBack(rng.IntN(8)); err != nil {
					return err
				}
			} else {
				release()
			}
			off += int64(len(got))
		}
		if rng.IntN(10) == 0 { // Block's bytes are the caller's for good
			idx := rng.Int64N(b.NumBlocks(r))
			if data, err := b.Block(context.Background(), r, idx); err == nil {
				time.Sleep(time.Millisecond)
				if err := checkBytes(data, r.ID, idx*bs); err != nil {
					return fmt.Errorf("Block: %w", err)
				}
			}
		}
		rd.Close()
	}
	return giveBack(0)
}

// A view handed out stays intact while its block is evicted and other
// blocks come and go; once given back, its buffer is reused.
func TestViewOutlivesEviction(t *testing.T) {
	const bs = 1024
	st := &chaosStreamer{sizes: map[string]int64{"x": 256 * bs}}
	b, _ := NewBlocks(noChaos{st}, BlockConfig{BlockSize: bs, MaxBytes: 4 * bs, AheadBytes: 8 * bs})
	defer b.Close()
	r := Ref{Region: "uk", ID: "x", Size: 256 * bs}
	rd := b.NewReader(r, 8*bs)
	v, release, err := rd.ReadView(context.Background(), make([]byte, bs), 0)
	if err != nil || checkBytes(v, "x", 0) != nil {
		t.Fatalf("first view: %v", err)
	}
	rd.Close() // the reader's recent blocks go: the view holds block 0 alone
	p := make([]byte, bs)
	for idx := int64(1); idx < 256; idx++ {
		if _, err := b.ReadAt(context.Background(), r, p, idx*bs); err != nil {
			t.Fatal(err)
		}
		b.lru.Wait()
	}
	if err := checkBytes(v, "x", 0); err != nil {
		t.Fatalf("the view changed while lent: %v", err)
	}
	before := b.Stats().Recycled
	if before == 0 {
		t.Error("no buffer reused while 255 blocks passed through a cache of 4")
	}
	release()
	b.mu.Lock()
	spare := len(b.free.bufs)
	b.mu.Unlock()
	if spare == 0 {
		t.Error("the view's buffer was not freed when it was given back")
	}
	release() // given back twice: ignored
	if got := b.free.bufs; len(got) != spare {
		t.Errorf("a second release freed another buffer: %d spare, was %d", len(got), spare)
	}
}

// noChaos serves the chaosStreamer's content without failures.
type noChaos struct{ c *chaosStreamer }

func (n noChaos) ReadRange(ctx context.Context, region, id string, off int64, p []byte, spill func(int64, []byte)) (int, error) {
	fill(p, id, off)
	return len(p), nil
}
