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
