package csstest

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// explicitTenant adds n AVAILABLE callrecordings on one day plus odd states.
func explicitTenant(t *testing.T, n int) (*emu, time.Time) {
	e := startEmu(t, Options{Regions: []string{"uk"}})
	day := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		e.s.Add("uk", ObjectSpec{Type: "callrecording", Created: day.Add(time.Duration(i) * time.Minute), Size: 100,
			Tags: []Tag{{Key: "duration", Value: fmt.Sprint(i * 1000)}, {Key: "agent", Value: fmt.Sprint("a", i%3)}}})
	}
	e.s.Add("uk", ObjectSpec{ID: "arch", Type: "callrecording", State: StateArchived, Created: day, Size: 10})
	e.s.Add("uk", ObjectSpec{ID: "rev", Type: "transcription", State: StateRevoked, Created: day, Size: 10})
	return e, day
}

func TestSearchPaging245(t *testing.T) {
	e, _ := explicitTenant(t, 245)
	want := []struct {
		key, next, size int64
		last            bool
	}{{0, 100, 100, false}, {100, 200, 100, false}, {200, 300, 45, true}}
	for _, w := range want {
		p := e.search("uk", url.Values{"pageKey": {itoa(w.key)}, "limit": {"100"}})
		if p.PageKey != w.next || p.PageSize != w.size || p.LastPage != w.last || p.Total != 245 || int64(len(p.Content)) != w.size {
			t.Errorf("pageKey %d: got key=%d size=%d last=%v total=%d", w.key, p.PageKey, p.PageSize, p.LastPage, p.Total)
		}
	}
	p := e.search("uk", url.Values{"pageKey": {"1000"}})
	if len(p.Content) != 0 || !p.LastPage || p.PageKey != 1100 {
		t.Errorf("past the end: %+v", p)
	}
	all := e.searchAll("uk", "")
	for i := 1; i < len(all); i++ {
		if all[i].CreatedTime < all[i-1].CreatedTime {
			t.Fatalf("default order not by createdTime at %d", i)
		}
	}
}

func TestSearchLimits(t *testing.T) {
	e, _ := explicitTenant(t, 3)
	for _, l := range []string{"0", "101", "-1", "x"} {
		if resp, _ := e.get("uk", "/objects?limit="+l); resp.StatusCode != 400 {
			t.Errorf("limit=%s: %d", l, resp.StatusCode)
		}
	}
	if resp, _ := e.get("uk", "/objects?filter=type=="); resp.StatusCode != 400 {
		t.Errorf("bad filter: %d", resp.StatusCode)
	}
	c := startEmu(t, Options{LimitAbove100: "clamp"})
	if resp, _ := c.get("us-east", "/objects?limit=1000"); resp.StatusCode != 200 {
		t.Errorf("clamp: %d", resp.StatusCode)
	}
}

func TestSearchSemantics(t *testing.T) {
	e, day := explicitTenant(t, 20)
	count := func(filter string) int { return len(e.searchAll("uk", filter)) }
	ms := day.UnixMilli()
	cases := []struct {
		filter string
		want   int
	}{
		{"", 20},                     // implicit AVAILABLE
		{"type==callrecording", 20},  // still implicit
		{"objectState==ARCHIVED", 1}, // explicit state lifts the default
		{"objectState=in=(ARCHIVED,AVAILABLE)", 21},
		{"objectState==AVAILABLE,objectState==REVOKED", 21},
		{"objectState!=AVAILABLE", 2},
		{"duration=gt=15000", 4}, // numeric tag comparison (16..19 s)
		{"duration=le=2000", 3},
		{"agent==a1", 7},
		{"agent=out=(a1,a2)", 7},
		{"missing==x", 0},
		{fmt.Sprintf("createdTime=ge=%d;createdTime=lt=%d", ms+60_000, ms+5*60_000), 4},
		{fmt.Sprintf("createdTime==%d", ms), 1},
		{fmt.Sprintf("createdTime=gt=%d", ms+60_000-1), 19},
		{"storedBytes==100", 20},
		{"size==100", 20},
		{"id==rev", 0},
		{"id==rev;objectState==REVOKED", 1},
		{"type==transcription or type==callrecording and agent==a0", 7},
	}
	for _, c := range cases {
		if got := count(c.filter); got != c.want {
			t.Errorf("filter %q: %d objects, want %d", c.filter, got, c.want)
		}
	}
}

func TestSearchSort(t *testing.T) {
	e, _ := explicitTenant(t, 12)
	p := e.search("uk", url.Values{"sortField": {"duration"}, "sortDirection": {"DESC"}, "limit": {"3"}})
	var got []string
	for _, o := range p.Content {
		v, _ := o.Tag("duration")
		got = append(got, v)
	}
	if fmt.Sprint(got) != "[11000 10000 9000]" {
		t.Errorf("sort by duration DESC (numeric) = %v", got)
	}
	p = e.search("uk", url.Values{"sortDirection": {"DESC"}, "limit": {"1"}})
	if v, _ := p.Content[0].Tag("duration"); v != "11000" {
		t.Errorf("createdTime DESC first = %v", v)
	}
	if resp, _ := e.get("uk", "/objects?sortDirection=UP"); resp.StatusCode != 400 {
		t.Errorf("bad sortDirection: %d", resp.StatusCode)
	}
}

func TestSyntheticSearchMatchesObjects(t *testing.T) {
	e := startEmu(t, Options{Objects: 150, Seed: 7})
	var want []Object
	for _, o := range e.s.Objects("uk") {
		if o.ObjectState == StateAvailable && o.Type == "voicemail" {
			want = append(want, o)
		}
	}
	got := e.searchAll("uk", "type==voicemail")
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("voicemail: got %d, want %d", len(got), len(want))
	}
	for i := range got {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Fatalf("object %d differs:\n%+v\n%+v", i, got[i], want[i])
		}
	}
	// determinism: same seed, same tenant
	e2 := startEmu(t, Options{Objects: 150, Seed: 7})
	a, b := e.s.Objects("us-east"), e2.s.Objects("us-east")
	if fmt.Sprint(a[:20]) != fmt.Sprint(b[:20]) {
		t.Error("same seed gave different tenants")
	}
	// every type of the reference list shows up, with tags
	seen := map[string]bool{}
	for _, o := range a {
		seen[o.Type] = true
		if len(o.Tags) == 0 {
			t.Fatalf("object without tags: %+v", o)
		}
	}
	if len(seen) < 9 {
		t.Errorf("only types %v", seen)
	}
}

func TestUnencodedFilterQuery(t *testing.T) {
	e, _ := explicitTenant(t, 20)
	resp, body := e.get("uk", "/objects?filter=type==callrecording;duration=gt=15000&limit=100")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if m := decodeMap(t, body); m["total"] != float64(4) {
		t.Errorf("unencoded ';' filter: total %v", m["total"])
	}
}
