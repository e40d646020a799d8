package csstest

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"
)

// A million objects are practical: a search narrowed by type and
// createdTime is answered from the indexes (binary searches into the
// type's handles and their AVAILABLE counts), evaluating the filter only
// on the records of the window's end seconds; a type-only probe on none;
// never the window's or the type's records one by one. The build and
// search times are BenchmarkScaleMillion's (timings fail on a loaded
// machine, so they stay out of the tests).
func TestScaleMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million objects")
	}
	e := startEmu(t, Options{Objects: 1_000_000, Regions: []string{"us-east"}})
	rg := e.s.regions["us-east"]
	// inWindow counts, by brute force, the records of typ created in
	// [from, to) (any state): what an indexed search may examine.
	inWindow := func(typ string, from, to time.Time) int64 {
		var n int64
		for _, h := range rg.order {
			c := rg.recs[h].created
			if rg.typeName(h) == typ && (from.IsZero() || c >= from.Unix()) && (to.IsZero() || c < to.Unix()) {
				n++
			}
		}
		return n
	}
	// a busy day
	day := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	filter := fmt.Sprintf("type==callrecording;createdTime=ge=%d;createdTime=lt=%d", day.UnixMilli(), day.AddDate(0, 0, 1).UnixMilli())
	before := e.s.Scanned()
	p := e.search("us-east", url.Values{"filter": {filter}, "limit": {"100"}})
	scanned := e.s.Scanned() - before
	if p.Total == 0 {
		t.Errorf("no objects on %v", day)
	}
	for _, o := range p.Content {
		if o.Created().Before(day) || !o.Created().Before(day.AddDate(0, 0, 1)) || o.Type != "callrecording" {
			t.Fatalf("object outside filter: %+v", o)
		}
	}
	// the window's ends: the records of its first second and of the
	// second after it (narrow rounds to whole seconds)
	ends := inWindow("callrecording", day, day.Add(time.Second)) + inWindow("callrecording", day.AddDate(0, 0, 1), day.AddDate(0, 0, 1).Add(time.Second))
	if want := inWindow("callrecording", day, day.AddDate(0, 0, 1)); scanned > ends+2 || p.Total > want || want < 200 {
		t.Errorf("day search examined %d records (total %d); want those of its end seconds (%d), not the day's %d", scanned, p.Total, ends, want)
	}
	// the next page of the same search examines no more
	before = e.s.Scanned()
	e.search("us-east", url.Values{"filter": {filter}, "limit": {"100"}, "pageKey": {"100"}})
	if n := e.s.Scanned() - before; n > ends+2 {
		t.Errorf("second page examined %d records, want at most %d", n, ends+2)
	}
	// a type-only probe examines no record one by one
	before = e.s.Scanned()
	p = e.search("us-east", url.Values{"filter": {"type==screenrecording"}, "limit": {"1"}})
	scanned = e.s.Scanned() - before
	if want := inWindow("screenrecording", time.Time{}, time.Time{}); scanned != 0 || p.Total == 0 || p.Total > want || len(p.Content) != 1 {
		t.Errorf("type probe examined %d records (total %d of %d screenrecordings, %d on the page); want none", scanned, p.Total, want, len(p.Content))
	}
}

// BenchmarkScaleMillion times building a million objects and one day's
// search of them (TestScaleMillion counts the work instead).
func BenchmarkScaleMillion(b *testing.B) {
	day := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	filter := fmt.Sprintf("type==callrecording;createdTime=ge=%d;createdTime=lt=%d", day.UnixMilli(), day.AddDate(0, 0, 1).UnixMilli())
	for b.Loop() {
		start := time.Now()
		s, err := New(Options{Objects: 1_000_000, Regions: []string{"us-east"}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "build-ms")
		start = time.Now()
		if _, err := s.search(s.regions["us-east"], filter, "createdTime", false); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds()), "day-search-µs")
		s.Close()
	}
}

func BenchmarkSearchPage100k(b *testing.B) {
	s, err := New(Options{Objects: 100_000, Regions: []string{"us-east"}, MultipartThreshold: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rg := s.regions["us-east"]
	day := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	filter := fmt.Sprintf("type==callrecording;createdTime=ge=%d;createdTime=lt=%d", day.UnixMilli(), day.AddDate(0, 0, 1).UnixMilli())
	for b.Loop() {
		s.cache = newSearchCache(32)
		if _, err := s.search(rg, filter, "createdTime", false); err != nil {
			b.Fatal(err)
		}
		if _, err := s.search(rg, "", "createdTime", false); err != nil {
			b.Fatal(err)
		}
	}
}

// The type index finds exactly what a scan of the whole region finds,
// also after objects are added and removed, whatever else the filter says.
func TestTypeIndexedSearchMatchesAScan(t *testing.T) {
	s, err := New(Options{Objects: 5_000, Regions: []string{"uk"}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rg := s.regions["uk"]
	day := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	added := s.Add("uk", ObjectSpec{Type: "odd", Created: day.Add(time.Hour)})
	s.Add("uk", ObjectSpec{Type: "callrecording", Created: day.Add(2 * time.Hour)})
	gone := s.Add("uk", ObjectSpec{Type: "callrecording", Created: day.Add(3 * time.Hour)})
	if err := s.Remove("uk", gone.ID); err != nil {
		t.Fatal(err)
	}
	// scan is the search without any index: every live record, evaluated.
	scan := func(filter string) []int32 {
		n, err := parseFilter(filter)
		if err != nil {
			t.Fatal(err)
		}
		var hs []int32
		f := fieldReader{s: s, rg: rg}
		for _, h := range rg.order {
			if !n.mentions("objectState") && rg.recs[h].state != codeAvailable {
				continue
			}
			f.h, f.meta = h, nil
			if f.eval(n) {
				hs = append(hs, h)
			}
		}
		return hs
	}
	ms := func(t time.Time) string { return fmt.Sprint(t.UnixMilli()) }
	for _, filter := range []string{
		"type==callrecording",
		"type==odd",
		"type==nosuchtype",
		"type==callrecording;createdTime=ge=" + ms(day) + ";createdTime=lt=" + ms(day.AddDate(0, 0, 1)),
		"type==callrecording;objectState==ARCHIVED",
		"type==callrecording,type==odd",
		"createdTime=ge=" + ms(day) + ";type==odd",
	} {
		got, err := s.search(rg, filter, "createdTime", false)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		if want := scan(filter); !slices.Equal(got, want) {
			t.Errorf("%s: %d objects by index, %d by a scan", filter, len(got), len(want))
		}
	}
	if got, _ := s.search(rg, "type==odd", "createdTime", false); len(got) != 1 || rg.idOf(got[0]) != added.ID {
		t.Errorf("type==odd found %d objects, want the one added", len(got))
	}
}
