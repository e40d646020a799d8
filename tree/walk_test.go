package tree

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
)

// maxMonthSearches is issue 11's bound on copying a month of a type
// (3,000 objects a region): resolving the path, then one search for the
// month, where listing it day by day costs one probe per day and one
// search per day on top.
const maxMonthSearches = 60

func TestWalkOfAMonthIsLinear(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 3000})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	const month = "/us-east/callrecording/2023/03"
	walked := newFixtureOn(t, emu, emu.Secret, Config{})
	emu.ResetCounts()
	got := walked.byWalk(walked.resolve(month))
	searches := emu.Count("search")
	t.Logf("walk of %s: %d entries, %d searches", month, len(got), searches)
	if searches > maxMonthSearches {
		t.Errorf("walking %s made %d searches, want at most %d", month, searches, maxMonthSearches)
	}
	// The same entries as listing the month day by day.
	listed := newFixtureOn(t, emu, emu.Secret, Config{})
	want := listed.byListing(listed.resolve(month))
	if len(filesByID(want)) < 20 {
		t.Fatalf("%s holds only %d files", month, len(filesByID(want)))
	}
	sameEntries(t, listed.tree, want, walked.tree, got)
	// Walking it again lists nothing: every listing is cached.
	emu.ResetCounts()
	walked.byWalk(walked.resolve(month))
	if n := emu.Count("search"); n != 0 {
		t.Errorf("a second walk made %d searches", n)
	}
}

// Walk visits directories depth first in name order, each once.
func TestWalkOrder(t *testing.T) {
	f := newFixture(t, tenant, Config{Layout: "type/date"})
	var seen []string
	err := f.tree.Walk(context.Background(), f.resolve("/uk/callrecording"), func(d Entry, entries []Entry) error {
		seen = append(seen, d.Path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(seen) || len(seen) != len(slices.Compact(slices.Clone(seen))) {
		t.Errorf("directories visited out of order or twice: %v", seen)
	}
	dirs := 1 // the top
	for _, e := range f.byListing(f.resolve("/uk/callrecording")) {
		if e.IsDir() {
			dirs++
		}
	}
	if len(seen) != dirs {
		t.Errorf("visited %d directories, the tree has %d", len(seen), dirs)
	}
}

// blurred is an API whose listings lose one object's createdTime, as a
// service might send one that cannot be parsed; probes still place it.
type blurred struct {
	API
	id string
}

func (b blurred) List(ctx context.Context, region string, q client.Query, parallel int) ([]client.Object, error) {
	objs, err := b.API.List(ctx, region, q, parallel)
	for i := range objs {
		if objs[i].ID == b.id {
			objs[i].CreatedTime = time.Time{}
		}
	}
	return objs, err
}

// A walk that cannot place every object by its createdTime lists
// directory by directory instead, finding what the mount finds, and tries
// the one search only once.
func TestWalkFallsBackWhenObjectsCannotBePlaced(t *testing.T) {
	emu, err := csstest.New(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	id := emu.HardCases("uk")["slash"]
	trees := make([]*Tree, 2)
	for i := range trees {
		f := newFixtureOn(t, emu, emu.Secret, Config{})
		trees[i], err = New(context.Background(), blurred{API: f.api, id: id}, f.tree.blocks, Config{})
		if err != nil {
			t.Fatal(err)
		}
	}
	listed := &fixture{t: t, tree: trees[0]}
	walked := &fixture{t: t, tree: trees[1]}
	top := "/uk/callrecording"
	emu.ResetCounts()
	want := listed.byListing(listed.resolve(top))
	byListing := emu.Count("search")
	emu.ResetCounts()
	got := walked.byWalk(walked.resolve(top))
	byWalk := emu.Count("search")
	sameEntries(t, trees[0], want, trees[1], got)
	if e := filesByID(got)[id]; len(e) != 1 || !e[0].Attr.Mtime.Equal(time.Unix(0, 0)) {
		t.Errorf("the object without createdTime: %+v", e)
	}
	if pages := int64(len(filesByID(want))/100 + 1); byWalk > byListing+pages {
		t.Errorf("the walk made %d searches, listing %d: the failed search was tried more than once", byWalk, byListing)
	}
}
