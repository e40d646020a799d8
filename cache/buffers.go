package cache

import (
	"os"
	"sync/atomic"
)

// block is the bytes of one fetched block, shared by everyone who reads
// them: ristretto, the fetch that made it, readers' recent blocks, a read
// copying from it and a FUSE reply written from it. Each of those holds a
// reference of its own and lets go of it once; the last to let go puts the
// buffer on the free list, so that the next fetch reuses it instead of
// asking the runtime for fresh (zeroed, unmapped) memory.
//
// Only the buffer is reused, never the struct: a block whose count has
// reached 0 stays dead, so a stale pointer (from ristretto's Get, which
// races with eviction) cannot take a reference to bytes already reused.
type block struct {
	data []byte // set before the block is shared; never changed after
	refs atomic.Int32
	free *freeList // where data goes once nobody holds the block
}

// newBlock makes a block with one reference, its maker's.
func newBlock(data []byte, free *freeList) *block {
	k := &block{data: data, free: free}
	k.refs.Store(1)
	return k
}

// acquire takes a reference, unless the block is dead already.
func (k *block) acquire() bool {
	for {
		n := k.refs.Load()
		if n <= 0 {
			return false
		}
		if k.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release lets go of one reference; the last one frees the buffer.
func (k *block) release() {
	switch n := k.refs.Add(-1); {
	case n == 0:
		k.free.put(k.data)
	case n < 0:
		// A reference given back twice: its bytes may be in use
		// elsewhere already. Better to stop than to serve them.
		panic("cache: block released more often than acquired")
	}
}

// freeList keeps a few spare block buffers, all of one size. It is small:
// it only bridges the moment between a block leaving the cache and the
// next one arriving; what does not fit is left to the GC.
type freeList struct {
	size     int
	bufs     chan []byte
	recycled atomic.Int64 // buffers handed out again
}

// A cache keeps spare buffers worth a sixteenth of its size, within
// these bounds: their memory comes on top of the cache's.
const (
	minFreeBlocks = 4
	maxFreeBlocks = 16
)

func newFreeList(size, cacheBytes int64) *freeList {
	n := min(max(cacheBytes/size/16, minFreeBlocks), maxFreeBlocks)
	return &freeList{size: int(size), bufs: make(chan []byte, n)}
}

// get returns a buffer of n bytes: a spare one when n is the block size
// and there is one. A reused buffer holds old bytes: the caller fills it.
func (fl *freeList) get(n int64) []byte {
	if int(n) == fl.size {
		select {
		case b := <-fl.bufs:
			fl.recycled.Add(1)
			return b
		default:
		}
	}
	return make([]byte, n)
}

// put keeps b for reuse, if it is a whole block and there is room.
func (fl *freeList) put(b []byte) {
	if fl == nil || len(b) != fl.size || cap(b) != fl.size {
		return
	}
	if poisonFreed {
		poison(b)
	}
	select {
	case fl.bufs <- b:
	default:
	}
}

// poisonFreed fills every freed buffer with a marker, so that a read from
// a buffer after its release shows as wrong bytes: set by this package's
// tests, and by CSSFS_DEBUG_POISON=1 for a mount under test.
var poisonFreed = os.Getenv("CSSFS_DEBUG_POISON") == "1"

func poison(b []byte) {
	for i := range b {
		b[i] = 0xDB
	}
}
