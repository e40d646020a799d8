// Package tree is cssfs's view of a CSS tenant as directories and files,
// without FUSE: one directory per region, layout directories found by
// cheap probes, objects as read-only files, and a region's .filter and
// .id. Listings are cached by path and shared by every front end: the
// mount (package fusefs) and cssfs ls/cat/get.
package tree

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/naming"
)

// API is what the tree needs from the CSS client.
type API interface {
	Regions(ctx context.Context) ([]string, error)
	List(ctx context.Context, region string, q client.Query, parallel int) ([]client.Object, error)
	First(ctx context.Context, region string, q client.Query) (client.Object, bool, error)
	Object(ctx context.Context, region, id string) (client.Object, error)
	Restore(ctx context.Context, region, id string, days int) error
	Delete(ctx context.Context, region string, ids ...string) error
}

// Defaults of Config, and of the flags that set it.
const (
	DefaultLayout   = "type/date"
	DefaultDirTTL   = 5 * time.Minute
	DefaultProbes   = 8
	DefaultMaxAhead = 64 << 20
)

// Config shapes the tree.
type Config struct {
	Layout       string         // "type/date" (default), "date", "flat", or a path of levels (see parseLayout)
	Regions      []string       // regions to show; empty = every region of the account
	DirTTL       time.Duration  // how long a directory listing is reused (default DefaultDirTTL)
	MaxListed    int            // entries the cached listings hold at most (default DefaultMaxListed); past it the oldest listings are dropped
	OpTimeout    time.Duration  // deadline of one listing load (default client.DefaultTimeout)
	Probes       int            // parallel existence probes per directory (default DefaultProbes)
	MaxAhead     int64          // readahead bound per open file in bytes (default DefaultMaxAhead)
	ShowArchived bool           // list ARCHIVED objects too (unreadable until restored)
	AllowDelete  bool           // Delete removes objects; otherwise it fails with ErrReadOnly
	Sidecars     bool           // NAME.meta.json beside each object, holding its metadata
	Names        *naming.Scheme // how objects are named (default: naming.NewScheme(nil, nil))
	Logger       *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Layout == "" {
		c.Layout = DefaultLayout
	}
	if c.DirTTL <= 0 {
		c.DirTTL = DefaultDirTTL
	}
	if c.MaxListed <= 0 {
		c.MaxListed = DefaultMaxListed
	}
	if c.OpTimeout <= 0 {
		c.OpTimeout = client.DefaultTimeout
	}
	if c.Probes <= 0 {
		c.Probes = DefaultProbes
	}
	if c.MaxAhead <= 0 {
		c.MaxAhead = DefaultMaxAhead
	}
	if c.Names == nil {
		c.Names, _ = naming.NewScheme(nil, nil) // the defaults always parse
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Tree is a tenant's tree. It is safe for concurrent use.
type Tree struct {
	api     API
	blocks  *cache.Blocks
	cfg     Config
	levels  []level
	log     *slog.Logger
	mounted time.Time // the time of directories that have none of their own
	regions *Listing

	listings    cache.Memos[*Listing] // by directory path
	retained    retained              // what listings holds, oldest first, bounded by MaxListed
	now         func() time.Time      // the clock of listing TTLs (tests set their own)
	periodBound int                   // see loadPeriod; 0 probes every level (tests compare the two)
	maxListed   int                   // bytes the cached listings hold (maxListedBytes; tests set less)
	maxMeta     int                   // metadata bytes the cached listings keep (maxMetaBytes; tests set less)
	refetched   refetchedObjects      // metadata fetched again after its listing's was dropped
}

// New checks the layout and finds the regions to show; content is read
// through blocks.
func New(ctx context.Context, api API, blocks *cache.Blocks, cfg Config) (*Tree, error) {
	cfg.setDefaults()
	levels, err := parseLayout(cfg.Layout)
	if err != nil {
		return nil, err
	}
	regions := cfg.Regions
	if len(regions) == 0 {
		if regions, err = api.Regions(ctx); err != nil {
			return nil, fmt.Errorf("discovering regions: %w", apiError(err))
		}
	}
	t := &Tree{api: api, blocks: blocks, cfg: cfg, levels: levels, log: cfg.Logger, mounted: time.Now(), now: time.Now, periodBound: periodBound, maxListed: maxListedBytes, maxMeta: maxMetaBytes}
	t.listings.Now = func() time.Time { return t.now() }
	var entries []Entry
	for _, r := range regions {
		entries = append(entries, t.dirEntry(naming.SafeID(r), t.regionDir(r)))
	}
	t.regions = newListing(entries)
	return t, nil
}

// Config is the tree's configuration, defaults filled in.
func (t *Tree) Config() Config { return t.cfg }

// Root is the tree's top directory, which holds the regions.
func (t *Tree) Root() Entry {
	return Entry{Name: "/", Path: "/", Kind: Dir, Attr: dirAttr(rootIno, t.mounted), dir: &dir{kind: kindRoot}}
}

// rootIno is the inode number FUSE reserves for the root.
const rootIno = 1

// List returns what the directory d holds, from the listing cache when it
// is young enough, else from the service.
func (t *Tree) List(ctx context.Context, d Entry) (*Listing, error) {
	if d.Kind != Dir {
		return nil, fmt.Errorf("%s: %w", d.Path, ErrNotDir)
	}
	switch d.d().kind {
	case kindRoot:
		return t.regions, nil
	case kindFilterRoot, kindIDRoot:
		return emptyListing, nil // their names are looked up, never listed
	}
	return t.listings.Get(ctx, d.Path, t.ttl(d.d()), t.cfg.OpTimeout, func(ctx context.Context) (*Listing, error) {
		l, err := t.load(ctx, d)
		if err == nil {
			t.retain(d.Path, l)
		}
		return l, err
	})
}

// pastTTLFactor stretches the listing TTL of periods that are over: objects
// are created with the current time, so a past day only changes when an
// object is deleted or archived.
const pastTTLFactor = 12

// pastAfter is how long after a period ends it counts as over, allowing
// for clocks that disagree.
const pastAfter = time.Hour

func (t *Tree) ttl(d dir) time.Duration {
	if !d.scope.to.IsZero() && d.scope.to.Before(t.now().Add(-pastAfter)) {
		return pastTTLFactor * t.cfg.DirTTL
	}
	return t.cfg.DirTTL
}

// Lookup finds name in the directory d: from d's listing, or for the names
// that are never listed (.filter, .id and what lies in them) by asking the
// service.
func (t *Tree) Lookup(ctx context.Context, d Entry, name string) (Entry, error) {
	if d.Kind != Dir {
		return Entry{}, fmt.Errorf("%s: %w", d.Path, ErrNotDir)
	}
	if t.isSpecial(d.d(), name) {
		return t.special(ctx, d, name)
	}
	l, err := t.List(ctx, d)
	if err != nil {
		return Entry{}, err
	}
	if e, ok := l.Lookup(name); ok {
		return e, nil
	}
	return Entry{}, fmt.Errorf("%s: %w", childPath(d.Path, name), ErrNotFound)
}

// Resolve finds the entry at path p ("/us-east/callrecording/2024").
func (t *Tree) Resolve(ctx context.Context, p string) (Entry, error) {
	cur := t.Root()
	for _, name := range splitPath(p) {
		next, err := t.Lookup(ctx, cur, name)
		if err != nil {
			if errors.Is(err, ErrNotDir) {
				return Entry{}, fmt.Errorf("%s: %w", p, ErrNotDir)
			}
			return Entry{}, err
		}
		cur = next
	}
	return cur, nil
}

// splitPath turns "/us-east/callrecording/" into its components.
func splitPath(p string) []string {
	var out []string
	for _, part := range strings.Split(p, "/") {
		if part != "" && part != "." {
			out = append(out, part)
		}
	}
	return out
}

func childPath(dir, name string) string {
	return strings.TrimSuffix(dir, "/") + "/" + name
}

// Listing is what one directory holds, sorted by name: directories as
// entries, or the files of a directory of objects in compact form.
type Listing struct {
	entries []Entry
	byName  map[string]int
	files   *fileTable // instead of entries
}

var emptyListing = newListing(nil)

func newListing(entries []Entry) *Listing {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	l := &Listing{entries: entries, byName: make(map[string]int, len(entries))}
	for i, e := range entries {
		l.byName[e.Name] = i
	}
	return l
}

// Len is the number of entries.
func (l *Listing) Len() int {
	if l.files != nil {
		return len(l.files.recs)
	}
	return len(l.entries)
}

// Entries are the listing's entries, sorted by name; callers must not
// change them. Files are made afresh at each call.
func (l *Listing) Entries() []Entry {
	if l.files == nil {
		return l.entries
	}
	out := make([]Entry, len(l.files.recs))
	for i := range out {
		out[i] = l.files.entry(i)
	}
	return out
}

// Lookup finds name in the listing.
func (l *Listing) Lookup(name string) (Entry, bool) {
	if l.files != nil {
		i, ok := l.files.find(name)
		if !ok {
			return Entry{}, false
		}
		return l.files.entry(i), true
	}
	i, ok := l.byName[name]
	if !ok {
		return Entry{}, false
	}
	return l.entries[i], true
}
