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
		{0, 800}, // 4 MiB × 800 % = the 32 MiB floor
		{1 << 10, 800},
		{1 << 20, 800},
		{8 << 20, 400},
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
	p := &Pacer{min: 25, floor: 1 << 30, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
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
		if got != 25600 {
			t.Errorf("GOGC %d after a collection of a small heap with a 1 GiB floor, want 25600", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no re-pacing after runtime.GC")
	}
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if got := s[0].Value.Uint64(); got != 25600 {
		t.Errorf("runtime's GOGC is %d, want 25600", got)
	}
}
