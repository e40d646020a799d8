package csstest

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

func TestScaleMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million objects")
	}
	start := time.Now()
	e := startEmu(t, Options{Objects: 1_000_000, Regions: []string{"us-east"}})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("building 1M objects took %v", d)
	}
	t.Logf("built 1M objects in %v", time.Since(start))
	// a busy day, found by binary search, pages in milliseconds
	day := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	filter := fmt.Sprintf("type==callrecording;createdTime=ge=%d;createdTime=lt=%d", day.UnixMilli(), day.AddDate(0, 0, 1).UnixMilli())
	start = time.Now()
	p := e.search("us-east", url.Values{"filter": {filter}, "limit": {"100"}})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("day search took %v", d)
	}
	if p.Total == 0 {
		t.Errorf("no objects on %v", day)
	}
	for _, o := range p.Content {
		if o.Created().Before(day) || !o.Created().Before(day.AddDate(0, 0, 1)) || o.Type != "callrecording" {
			t.Fatalf("object outside filter: %+v", o)
		}
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
