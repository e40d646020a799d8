package tree

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/fakeclock"
)

// tenant is the emulator set-up most tests share: two regions of 120
// objects each, plus the emulator's hard cases.
var tenant = csstest.Options{Seed: 7, Objects: 120}

// fixture is a tree over an emulator, with a clock the test moves.
type fixture struct {
	t     *testing.T
	emu   *csstest.Server
	api   *client.Client
	tree  *Tree
	clock *fakeclock.Clock
}

func newFixture(t *testing.T, opts csstest.Options, cfg Config) *fixture {
	t.Helper()
	emu, err := csstest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return newFixtureOn(t, emu, emu.Secret, cfg)
}

// newFixtureOn makes a tree over an existing emulator.
func newFixtureOn(t *testing.T, emu *csstest.Server, secret string, cfg Config) *fixture {
	t.Helper()
	api, err := client.New(client.Config{BaseURL: emu.URL, Key: emu.Key, Secret: secret,
		Retry: client.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := cache.NewBlocks(api, cache.BlockConfig{MaxBytes: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(blocks.Close)
	f := &fixture{t: t, emu: emu, api: api, clock: fakeclock.New(time.Now())}
	tr, err := New(context.Background(), api, blocks, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.now = f.clock.Now
	f.tree = tr
	return f
}

func (f *fixture) resolve(p string) Entry {
	f.t.Helper()
	e, err := f.tree.Resolve(context.Background(), p)
	if err != nil {
		f.t.Fatalf("resolve %s: %v", p, err)
	}
	return e
}

func (f *fixture) list(p string) []Entry {
	f.t.Helper()
	l, err := f.tree.List(context.Background(), f.resolve(p))
	if err != nil {
		f.t.Fatalf("list %s: %v", p, err)
	}
	return l.Entries()
}

// byListing lists d and everything below it one directory at a time, as
// the mount does, and returns every entry by path.
func (f *fixture) byListing(d Entry) map[string]Entry {
	f.t.Helper()
	out := map[string]Entry{}
	var walk func(Entry)
	walk = func(d Entry) {
		l, err := f.tree.List(context.Background(), d)
		if err != nil {
			f.t.Fatalf("list %s: %v", d.Path, err)
		}
		for _, e := range l.Entries() {
			out[e.Path] = e
			if e.IsDir() {
				walk(e)
			}
		}
	}
	walk(d)
	return out
}

// byWalk is byListing done by Walk.
func (f *fixture) byWalk(d Entry) map[string]Entry {
	f.t.Helper()
	out := map[string]Entry{}
	err := f.tree.Walk(context.Background(), d, func(_ Entry, entries []Entry) error {
		for _, e := range entries {
			out[e.Path] = e
		}
		return nil
	})
	if err != nil {
		f.t.Fatalf("walk %s: %v", d.Path, err)
	}
	return out
}

// available are the emulator's AVAILABLE objects of region, by id.
func (f *fixture) available(region string) map[string]csstest.Object {
	out := map[string]csstest.Object{}
	for _, o := range f.emu.Objects(region) {
		if o.ObjectState == csstest.StateAvailable {
			out[o.ID] = o
		}
	}
	return out
}

// filesByID groups the file entries of a walk by object id.
func filesByID(entries map[string]Entry) map[string][]Entry {
	out := map[string][]Entry{}
	for _, e := range entries {
		if e.Kind == File {
			out[e.ObjectID] = append(out[e.ObjectID], e)
		}
	}
	return out
}

func sortedPaths(m map[string]Entry) []string {
	var out []string
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
