package gcpace

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	p := &Pacer{min: 25, floor: 32 << 20}
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, maxPercent},
		{1 << 10, maxPercent},
		{1 << 20, 3200},
		{32 << 20, 100},
		{128 << 20, 25},
		{1 << 30, 25},
	} {
		if got := p.Percent(c.live); got != c.want {
			t.Errorf("Percent(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}

// After a collection the pacer has set GOGC from the live heap it left.
func TestRepacesAfterEachCollection(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	paced := make(chan int, 16)
	p := &Pacer{min: 25, floor: 1 << 40, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	p.onPace = func(percent int) {
		select {
		case paced <- percent:
		default:
		}
	}
	p.arm()
	runtime.GC()
	select {
	case got := <-paced:
		if got != maxPercent {
			t.Errorf("GOGC %d after a collection of a small heap with a huge floor, want %d", got, maxPercent)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no re-pacing after runtime.GC")
	}
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if got := s[0].Value.Uint64(); got != maxPercent {
		t.Errorf("runtime's GOGC is %d, want %d", got, maxPercent)
	}
}
