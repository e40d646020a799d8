package tree

import (
	"context"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/naming"
)

// Every AVAILABLE object appears once, in the directory its fields say,
// with its attributes; and walking (one search per time subtree) finds
// exactly what listing directory by directory (probing each level) finds.
func TestLayoutsPlaceEveryObjectOnce(t *testing.T) {
	day := func(o csstest.Object) string { return o.Created().Format("2006/01/02") }
	direction := func(o csstest.Object) string {
		if d, ok := o.Tag("direction"); ok {
			return d
		}
		return noValue
	}
	cases := []struct {
		layout string
		dir    func(o csstest.Object) string // below the region
	}{
		{"type/date", func(o csstest.Object) string { return path.Join(o.Type, day(o)) }},
		{"date", day},
		{"flat", func(csstest.Object) string { return "" }},
		{"type/direction/date", func(o csstest.Object) string { return path.Join(o.Type, direction(o), day(o)) }},
		{"user", func(o csstest.Object) string { return naming.Safe(o.UserID) }}, // ids may start with '-'

		{"year/type/month", func(o csstest.Object) string {
			return path.Join(o.Created().Format("2006"), o.Type, o.Created().Format("01"))
		}},
	}
	emu, err := csstest.New(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	for _, tc := range cases {
		t.Run(tc.layout, func(t *testing.T) {
			probed := newFixtureOn(t, emu, emu.Secret, Config{Layout: tc.layout})
			listed := probed.byListing(probed.tree.Root())
			walked := newFixtureOn(t, emu, emu.Secret, Config{Layout: tc.layout})
			sameEntries(t, probed.tree, listed, walked.tree, walked.byWalk(walked.tree.Root()))
			files := filesByID(listed)
			for _, region := range []string{"us-east", "uk"} {
				for id, o := range probed.available(region) {
					got := files[id]
					if len(got) != 1 {
						t.Errorf("object %s is listed %d times, want once", id, len(got))
						continue
					}
					e := got[0]
					if want := path.Join("/", region, tc.dir(o)); path.Dir(e.Path) != want {
						t.Errorf("object %s is at %s, want it in %s", id, e.Path, want)
					}
					if e.Attr.Size != o.StoredBytes || !e.Attr.Mtime.Equal(o.Created()) || e.Attr.Mode != fileMode || e.Attr.Ino != inodeOf(region, id) {
						t.Errorf("%s: attributes %+v do not match the object", e.Path, e.Attr)
					}
				}
				delete(files, "")
			}
			want := len(probed.available("us-east")) + len(probed.available("uk"))
			if len(files) != want {
				t.Errorf("%d objects in the tree, want the %d available", len(files), want)
			}
		})
	}
}

// sameEntries checks two walks found the same entries, down to the
// scopes their directories stand for. Directories that take the time of
// their tree's making may differ in that.
func sameEntries(t *testing.T, wantTree *Tree, want map[string]Entry, gotTree *Tree, got map[string]Entry) {
	t.Helper()
	unmounted := func(tr *Tree, e Entry) Entry {
		if e.Attr.Mtime.Equal(tr.mounted) {
			e.Attr.Mtime, e.Attr.Ctime = time.Time{}, time.Time{}
		}
		return e
	}
	if !slices.Equal(sortedPaths(want), sortedPaths(got)) {
		t.Errorf("walk found %d paths, listing %d", len(got), len(want))
	}
	for p, w := range want {
		g, ok := got[p]
		if !ok {
			continue
		}
		g, w = unmounted(gotTree, g), unmounted(wantTree, w)
		if g.Name != w.Name || g.Kind != w.Kind || g.ObjectID != w.ObjectID || g.Attr != w.Attr ||
			g.d().scope.filter() != w.d().scope.filter() || len(g.d().levels) != len(w.d().levels) {
			t.Errorf("%s: walk and listing disagree:\n%+v\n%+v", p, g, w)
		}
	}
}

// Types beyond the reference's list, values beyond the known ones and
// objects without a value are all found; only non-empty periods show.
func TestProbingFindsEveryValueAndPeriod(t *testing.T) {
	f := newFixture(t, csstest.Options{Regions: []string{"uk"}}, Config{Layout: "type/direction/date"})
	at := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t.Add(10 * time.Hour) }
	for _, spec := range []csstest.ObjectSpec{
		{Type: "callrecording", Created: at("2023-01-05"), Tags: []csstest.Tag{{Key: "direction", Value: "INBOUND"}}},
		{Type: "callrecording", Created: at("2023-03-10"), Tags: []csstest.Tag{{Key: "direction", Value: "SIDEWAYS"}}},
		{Type: "callrecording", Created: at("2024-11-30")},
		{Type: "brandnew", Created: at("2024-02-29"), Tags: []csstest.Tag{{Key: "direction", Value: "OUTBOUND"}}},
		{Type: "another", Created: at("2023-07-01"), Tags: []csstest.Tag{{Key: "direction", Value: "OUTBOUND"}}},
		// Two values that make the same safe name.
		{Type: "clash", Created: at("2023-07-01"), Tags: []csstest.Tag{{Key: "direction", Value: "UP:DOWN"}}},
		{Type: "clash", Created: at("2023-07-02"), Tags: []csstest.Tag{{Key: "direction", Value: "UP_DOWN"}}},
	} {
		f.emu.Add("uk", spec)
	}
	names := func(p string) []string {
		var out []string
		for _, e := range f.list(p) {
			out = append(out, e.Name)
		}
		return out
	}
	for p, want := range map[string][]string{
		"/uk":                                {"another", "brandnew", "callrecording", "clash"},
		"/uk/callrecording":                  {"INBOUND", "SIDEWAYS", noValue},
		"/uk/callrecording/INBOUND":          {"2023"},
		"/uk/callrecording/SIDEWAYS/2023":    {"03"},
		"/uk/callrecording/_none":            {"2024"},
		"/uk/callrecording/_none/2024/11":    {"30"},
		"/uk/brandnew/OUTBOUND/2024/02":      {"29"},
		"/uk/another/OUTBOUND/2023/07/01/..": nil, // not a path the tree knows
	} {
		if want == nil {
			if _, err := f.tree.Resolve(context.Background(), p); err == nil {
				t.Errorf("%s resolved", p)
			}
			continue
		}
		if got := names(p); !slices.Equal(got, want) {
			t.Errorf("%s lists %q, want %q", p, got, want)
		}
	}
	clash := names("/uk/clash")
	if len(clash) != 2 || clash[0] == clash[1] || !strings.HasPrefix(clash[0], "UP_DOWN~") || !strings.HasPrefix(clash[1], "UP_DOWN~") {
		t.Errorf("values UP:DOWN and UP_DOWN are listed as %q, want two distinct UP_DOWN~ names", clash)
	}
	for _, name := range clash {
		if days := names("/uk/clash/" + name + "/2023/07"); len(days) != 1 {
			t.Errorf("/uk/clash/%s/2023/07 lists %q, want one day", name, days)
		}
	}
	d := f.resolve("/uk/callrecording/SIDEWAYS/2023/03")
	if want := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC); !d.Attr.Mtime.Equal(want) {
		t.Errorf("a month's mtime is %v, want its start %v", d.Attr.Mtime, want)
	}
	if r := f.resolve("/uk/callrecording"); !r.Attr.Mtime.Equal(f.tree.mounted) || r.Attr.Mode != dirMode || r.Attr.Nlink != 2 {
		t.Errorf("a type directory's attributes: %+v", r.Attr)
	}
}

func TestParseLayout(t *testing.T) {
	for in, want := range map[string][]level{
		"type/date":      {levelType, levelYear, levelMonth, levelDay},
		"flat":           nil,
		"user/year":      {levelUser, levelYear},
		"direction/day":  {levelDirection, levelDay},
		"date/direction": {levelYear, levelMonth, levelDay, levelDirection},
	} {
		got, err := parseLayout(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("parseLayout(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseLayout("type/colour"); err == nil {
		t.Errorf("an unknown level was accepted")
	}
	if _, err := New(context.Background(), nil, nil, Config{Layout: "nonsense", Regions: []string{"uk"}}); err == nil {
		t.Errorf("New accepted a bad layout")
	}
}
