package csstest

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A search answered from the indexes gives the very page and total a scan
// gives: every page, both directions, windows that end inside a second,
// archived objects skipped, objects added and removed.
func TestIndexedPagesMatchAScan(t *testing.T) {
	s, err := New(Options{Objects: 5_000, Regions: []string{"uk"}, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rg := s.regions["uk"]
	day := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	for i := range 5 { // several objects in one second, one of them archived
		s.Add("uk", ObjectSpec{Type: "callrecording", Created: day.Add(10 * time.Hour)})
		if i == 2 {
			s.Add("uk", ObjectSpec{Type: "callrecording", Created: day.Add(10 * time.Hour), State: StateArchived})
		}
	}
	gone := s.Add("uk", ObjectSpec{Type: "callrecording", Created: day.Add(11 * time.Hour)})
	if err := s.Remove("uk", gone.ID); err != nil {
		t.Fatal(err)
	}
	ms := func(t time.Time) string { return fmt.Sprint(t.UnixMilli()) }
	at10 := day.Add(10 * time.Hour)
	for _, filter := range []string{
		"",
		"type==callrecording",
		"type==nosuchtype",
		"type==callrecording;createdTime=ge=" + ms(day) + ";createdTime=lt=" + ms(day.AddDate(0, 0, 1)),
		"createdTime=gt=" + ms(at10) + ";type==callrecording",
		"createdTime=ge=" + ms(at10),
		"createdTime=le=" + ms(at10) + ";createdTime=gt=" + ms(at10.Add(-time.Hour)),
		"createdTime=lt=" + ms(at10.Add(500*time.Millisecond)) + ";createdTime=gt=" + ms(at10.Add(-500*time.Millisecond)),
		"createdTime==" + ms(at10),
		"type==callrecording;createdTime=gt=" + ms(day.AddDate(5, 0, 0)),
	} {
		all, err := s.search(rg, filter, "createdTime", false)
		if err != nil {
			t.Fatalf("%q: %v", filter, err)
		}
		total := int64(len(all))
		for _, desc := range []bool{false, true} {
			want := slices.Clone(all)
			if desc {
				slices.Reverse(want)
			}
			for _, limit := range []int64{1, 7, 100} {
				for _, start := range []int64{0, 1, 6, 99, 100, max(total-1, 0), total, total + 5} {
					page, n, ok, err := s.indexedPage(rg, filter, "createdTime", desc, start, limit)
					if err != nil || !ok {
						t.Fatalf("%q: not answered from the indexes (%v)", filter, err)
					}
					w := want[min(start, total):min(start+limit, total)]
					if n != total || !slices.Equal(page, w) {
						t.Errorf("%q desc %v from %d limit %d: %v of %d, want %v of %d", filter, desc, start, limit, page, n, w, total)
					}
				}
			}
		}
	}
	// what the indexes cannot answer is left to a scan
	for _, filter := range []string{"type==callrecording;direction==INBOUND", "type==a,type==b", "objectState==ARCHIVED", "type==a;type==b"} {
		if _, _, ok, _ := s.indexedPage(rg, filter, "createdTime", false, 0, 100); ok {
			t.Errorf("%q answered from the indexes", filter)
		}
	}
	if _, _, ok, _ := s.indexedPage(rg, "", "storedBytes", false, 0, 100); ok {
		t.Error("a search sorted by size answered from the indexes")
	}
}

// With ShortRecordings every generated object is a few kB, and a
// recording's duration tag still matches its size.
func TestShortRecordings(t *testing.T) {
	s, err := New(Options{Objects: 2_000, Regions: []string{"uk"}, ShortRecordings: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hard := map[string]bool{}
	for _, id := range s.HardCases("uk") {
		hard[id] = true
	}
	wavs := 0
	for _, o := range s.Objects("uk") {
		if hard[o.ID] {
			continue // added as they are
		}
		if o.StoredBytes > 10_000 {
			t.Fatalf("%s: %d bytes", o.ID, o.StoredBytes)
		}
		if o.MimeType != "audio/wav" {
			continue
		}
		wavs++
		for _, tag := range o.Tags {
			if tag.Key == "duration" && tag.Value != fmt.Sprint((o.StoredBytes-wavHeaderLen)/wavBytesPerMs) {
				t.Errorf("%s: duration %s for %d bytes", o.ID, tag.Value, o.StoredBytes)
			}
		}
	}
	if wavs == 0 {
		t.Error("no recordings")
	}
}
