// Package gcpace paces Go's collector for a heap that is small most of the
// time and large some of the time. A fixed GOGC of 25 keeps a large heap
// (a million cached listings) within a quarter of its size, but on a small
// heap it collects every few hundred kilobytes: decoding one 10,000-object
// listing then spends more time in the collector than in decoding. Here the
// garbage allowed between collections is a quarter of the live heap or a
// floor, whichever is larger; the memory limit still bounds the total.
package gcpace

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Pacer re-sets GOGC after every collection from the live heap it left.
type Pacer struct {
	min   int    // GOGC on a large heap
	floor uint64 // garbage always allowed, in bytes

	// Touched by adjust only, which runs once in Start and then on the
	// finalizer goroutine, one collection after another.
	percent int
	sample  []metrics.Sample
	onPace  func(percent int) // tests: hears each decision
}

// Start sets GOGC to what a heap of live bytes should use and keeps it so
// after each collection, for as long as the process lives. The collector
// is the process's: only the first call starts a pacer, later ones return it.
func Start(minPercent int, floor uint64) *Pacer {
	started.Do(func() {
		running = &Pacer{min: minPercent, floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
		running.adjust()
		running.arm()
	})
	return running
}

var (
	started sync.Once
	running *Pacer
)

// Percent is the GOGC that allows max(live*min%, floor) bytes of garbage:
// floor/live as a percentage while the heap is small, min once it is large.
// The runtime never collects below a heap of 4 MiB × GOGC/100, so GOGC
// stops at the value that puts that minimum at floor: a nearly empty heap
// may still gather only floor.
func (p *Pacer) Percent(live uint64) int {
	top := max(p.min, int(p.floor*100/runtimeMinHeap))
	if live == 0 {
		return top
	}
	return max(p.min, int(min(p.floor*100/live, uint64(top))))
}

// runtimeMinHeap is the Go runtime's smallest heap goal at GOGC=100.
const runtimeMinHeap = 4 << 20

// sentinel is garbage whose finalizer runs once per collection: the hook
// for re-pacing without polling.
type sentinel struct{ p *Pacer }

func (p *Pacer) arm() {
	runtime.SetFinalizer(&sentinel{p: p}, func(s *sentinel) {
		s.p.adjust()
		s.p.arm()
	})
}

func (p *Pacer) adjust() {
	metrics.Read(p.sample)
	var live uint64
	if p.sample[0].Value.Kind() == metrics.KindUint64 {
		live = p.sample[0].Value.Uint64()
	}
	want := p.Percent(live)
	// SetGCPercent stops the world briefly: skip changes under an eighth.
	if d := want - p.percent; p.percent == 0 || d > p.percent/8 || -d > p.percent/8 {
		debug.SetGCPercent(want)
		p.percent = want
	}
	if p.onPace != nil {
		p.onPace(p.percent)
	}
}
