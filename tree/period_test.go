package tree

import (
	"testing"

	"github.com/cssfs/cssfs/client/csstest"
)

// A month listed with one search gives its days the very listings
// (names, sizes, times, inode numbers, filters) that listing each day
// with its own probes and search gives, and at a fraction of the searches.
func TestPeriodListedAtOnceMatchesDayByDay(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 3000})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	const month = "/us-east/callrecording/2023/03"
	dayByDay := newFixtureOn(t, emu, emu.Secret, Config{})
	dayByDay.tree.periodBound = 0
	atOnce := newFixtureOn(t, emu, emu.Secret, Config{})
	atOnce.tree.periodBound = 150 // a type or a year is too big; the month is not

	emu.ResetCounts()
	want := dayByDay.byListing(dayByDay.resolve(month))
	probed := emu.Count("search")
	emu.ResetCounts()
	got := atOnce.byListing(atOnce.resolve(month))
	derived := emu.Count("search")
	t.Logf("%s: %d entries; %d searches day by day, %d at once", month, len(got), probed, derived)
	if len(filesByID(want)) < 20 {
		t.Fatalf("%s holds only %d files", month, len(filesByID(want)))
	}
	sameEntries(t, dayByDay.tree, want, atOnce.tree, got)
	if derived*2 > probed {
		t.Errorf("listing %s at once made %d searches, day by day %d", month, derived, probed)
	}
	// Every day's listing came with the month's: listing them again is free.
	emu.ResetCounts()
	atOnce.byListing(atOnce.resolve(month))
	if n := emu.Count("search"); n != 0 {
		t.Errorf("listing %s again made %d searches", month, n)
	}
}

// Listing a whole region directory by directory, as find does through the
// mount, costs at most two searches per 100 objects plus a constant.
func TestRegionListingNearThePageFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("a 50,000-object tenant")
	}
	const objects = 50_000
	// Multipart-style checksums: hashing 50,000 generated bodies would
	// measure the emulator, not the tree.
	emu, err := csstest.New(csstest.Options{Objects: objects, Regions: []string{"us-east"}, MultipartThreshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	f := newFixtureOn(t, emu, emu.Secret, Config{})
	emu.ResetCounts()
	got := f.byListing(f.resolve("/us-east"))
	searches := emu.Count("search")
	files := len(filesByID(got))
	if want := len(f.available("us-east")); files != want {
		t.Errorf("listed %d files, the region has %d available objects", files, want)
	}
	floor := (int64(files) + 99) / 100
	t.Logf("%d files: %d searches (floor %d, %.2f×)", files, searches, floor, float64(searches)/float64(floor))
	if limit := 2*floor + regionConstant; searches > limit {
		t.Errorf("%d searches for %d files; want at most %d", searches, files, limit)
	}
	// A second pass is served from the cache.
	emu.ResetCounts()
	f.byListing(f.resolve("/us-east"))
	if n := emu.Count("search"); n != 0 {
		t.Errorf("a second pass made %d searches", n)
	}
}

// regionConstant is what a region costs beyond its pages whatever its
// size: probing its types (12 known, one more for unknown ones).
const regionConstant = 50

// A small region listed with one search is divided by type as probing
// finds its types (unknown ones too), and by time below: the same
// directories, files and inode numbers, for a fraction of the searches.
func TestRegionSplitByTypeMatchesProbing(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 1500, Regions: []string{"uk"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	emu.Add("uk", csstest.ObjectSpec{Type: "zz-custom", Name: "custom.bin"})
	emu.Add("uk", csstest.ObjectSpec{Type: "a:b", Name: "one.bin"})
	emu.Add("uk", csstest.ObjectSpec{Type: "a_b", Name: "two.bin"}) // the same safe name as a:b
	probed := newFixtureOn(t, emu, emu.Secret, Config{})
	probed.tree.periodBound = 0
	atOnce := newFixtureOn(t, emu, emu.Secret, Config{})
	emu.ResetCounts()
	want := probed.byListing(probed.resolve("/uk"))
	probes := emu.Count("search")
	emu.ResetCounts()
	got := atOnce.byListing(atOnce.resolve("/uk"))
	searches := emu.Count("search")
	t.Logf("%d entries: %d searches probing, %d at once", len(got), probes, searches)
	sameEntries(t, probed.tree, want, atOnce.tree, got)
	if searches*4 > probes || searches > 20 {
		t.Errorf("listing the region at once made %d searches, probing %d", searches, probes)
	}
	// a type FIQL might compare as a number is left to probing
	emu.Add("uk", csstest.ObjectSpec{Type: "0123", Name: "numeric.bin"})
	fresh := newFixtureOn(t, emu, emu.Secret, Config{})
	ref := newFixtureOn(t, emu, emu.Secret, Config{})
	ref.tree.periodBound = 0
	sameEntries(t, ref.tree, ref.byListing(ref.resolve("/uk")), fresh.tree, fresh.byListing(fresh.resolve("/uk")))
}
