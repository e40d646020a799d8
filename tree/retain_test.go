package tree

import (
	"testing"

	"github.com/cssfs/cssfs/client/csstest"
)

// With MaxListed far below the tenant, the cached listings stay within it
// while a walk still finds every entry once, the same as an unbounded tree.
func TestListingsStayWithinMaxListed(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 3000})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	const region = "/us-east/callrecording/2023"
	const maxListed = 150
	bounded := newFixtureOn(t, emu, emu.Secret, Config{MaxListed: maxListed})
	got := bounded.byWalk(bounded.resolve(region))
	unbounded := newFixtureOn(t, emu, emu.Secret, Config{})
	want := unbounded.byWalk(unbounded.resolve(region))
	if len(want) < 4*maxListed {
		t.Fatalf("%s holds %d entries; the test needs more than %d", region, len(want), 4*maxListed)
	}
	sameEntries(t, unbounded.tree, want, bounded.tree, got)
	held := 0
	bounded.tree.listings.Range(func(key string, l *Listing) { held += l.Len() + 1 })
	limit := max(maxListed, bounded.tree.retained.queue[len(bounded.tree.retained.queue)-1].l.Len()+1)
	if held > limit || bounded.tree.retained.total > limit {
		t.Errorf("cached listings hold %d entries (counted %d), above MaxListed %d (or the last listing)", held, bounded.tree.retained.total, maxListed)
	}
	// Listed again, a dropped listing is loaded afresh, identical.
	again := bounded.byListing(bounded.resolve(region))
	sameEntries(t, unbounded.tree, unbounded.byListing(unbounded.resolve(region)), bounded.tree, again)
}

// The cached listings also stay within a size in bytes, whatever their
// entry count, and a walk still finds every entry once.
func TestListingsStayWithinBytes(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 3000})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	const region = "/us-east/callrecording/2023"
	const maxBytes = 20_000
	bounded := newFixtureOn(t, emu, emu.Secret, Config{})
	bounded.tree.maxListed = maxBytes
	got := bounded.byWalk(bounded.resolve(region))
	unbounded := newFixtureOn(t, emu, emu.Secret, Config{})
	want := unbounded.byWalk(unbounded.resolve(region))
	sameEntries(t, unbounded.tree, want, bounded.tree, got)
	held := 0
	bounded.tree.listings.Range(func(key string, l *Listing) { held += l.bytes() })
	r := &bounded.tree.retained
	limit := max(maxBytes, r.queue[len(r.queue)-1].size)
	if held > limit || r.size > limit {
		t.Errorf("cached listings hold %d bytes (counted %d), above %d (or the last listing)", held, r.size, maxBytes)
	}
	if all := unbounded.tree.retained.size; all < 4*maxBytes {
		t.Errorf("%s holds only %d bytes of listings; the test needs more than %d", region, all, 4*maxBytes)
	}
}
