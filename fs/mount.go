// Package fs presents a CSS tenant as a go-fuse node tree: regions, layout
// directories found by cheap probes, objects as read-only files.
package fs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
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

// Config shapes the tree and the mount.
type Config struct {
	Layout       string        // "type/date" (default), "date" or "flat"
	Regions      []string      // regions to show; empty = every region of the account
	UID, GID     uint32        // owner of every node
	EntryTTL     time.Duration // kernel dentry cache (default 1 min)
	AttrTTL      time.Duration // kernel attribute cache (default 1 min)
	DirTTL       time.Duration // how long a directory listing is reused (default 5 min)
	OpTimeout    time.Duration // deadline of one FUSE operation (default 2 min)
	Probes       int           // parallel existence probes per directory (default 8)
	MaxAhead     int64         // readahead bound per open file in bytes (default 64 MiB)
	AllowOther   bool
	NoXattrs     bool // answer ENOSYS to xattr calls, so the kernel stops asking (faster ls -l)
	ShowArchived bool // list ARCHIVED objects too (mode 0000; restore with setxattr user.css.restore)
	AllowDelete  bool // rm of a file deletes the object
	Sidecars     bool // NAME.meta.json beside each object, holding its metadata
	DebugFUSE    bool
	FsName       string    // shown by df/mount (default "cssfs")
	Audit        *AuditLog // when set, every open of an object is recorded
	Observer     Observer  // when set, hears of every FUSE operation (metrics)
	Logger       *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Layout == "" {
		c.Layout = "type/date"
	}
	if c.EntryTTL == 0 {
		c.EntryTTL = time.Minute
	}
	if c.AttrTTL == 0 {
		c.AttrTTL = time.Minute
	}
	if c.DirTTL == 0 {
		c.DirTTL = 5 * time.Minute
	}
	if c.OpTimeout == 0 {
		c.OpTimeout = 2 * time.Minute
	}
	if c.Probes <= 0 {
		c.Probes = 8
	}
	if c.MaxAhead <= 0 {
		c.MaxAhead = 64 << 20
	}
	if c.FsName == "" {
		c.FsName = "cssfs"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// fsys is the state every node shares.
type fsys struct {
	api     API
	blocks  *cache.Blocks
	cfg     Config
	levels  []level
	log     *slog.Logger
	mounted time.Time
}

// newFsys checks the layout and finds the regions to show.
func newFsys(ctx context.Context, api API, blocks *cache.Blocks, cfg Config) (*fsys, []string, error) {
	cfg.setDefaults()
	levels, err := parseLayout(cfg.Layout)
	if err != nil {
		return nil, nil, err
	}
	regions := cfg.Regions
	if len(regions) == 0 {
		if regions, err = api.Regions(ctx); err != nil {
			return nil, nil, fmt.Errorf("discovering regions: %w", err)
		}
	}
	f := &fsys{api: api, blocks: blocks, cfg: cfg, levels: levels, log: cfg.Logger, mounted: time.Now()}
	return f, regions, nil
}

// NewRoot builds the root node: one directory per region.
func NewRoot(ctx context.Context, api API, blocks *cache.Blocks, cfg Config) (gofs.InodeEmbedder, error) {
	f, regions, err := newFsys(ctx, api, blocks, cfg)
	if err != nil {
		return nil, err
	}
	return &rootNode{fs: f, regions: regions}, nil
}

// Mount mounts root on dir and returns the running server.
func Mount(dir string, root gofs.InodeEmbedder, cfg Config) (*fuse.Server, error) {
	cfg.setDefaults()
	neg := time.Second
	options := []string{"default_permissions"}
	if !cfg.AllowDelete && !cfg.ShowArchived {
		options = append(options, "ro") // the kernel refuses every write itself
	}
	opts := &gofs.Options{
		EntryTimeout:    &cfg.EntryTTL,
		AttrTimeout:     &cfg.AttrTTL,
		NegativeTimeout: &neg,
		UID:             cfg.UID,
		GID:             cfg.GID,
		RootStableAttr:  &gofs.StableAttr{Ino: 1, Mode: syscall.S_IFDIR},
		NullPermissions: true, // an archived object really is mode 0000
		MountOptions: fuse.MountOptions{
			FsName:        cfg.FsName,
			Name:          "cssfs",
			Options:       options,
			AllowOther:    cfg.AllowOther,
			MaxWrite:      1 << 20,
			MaxBackground: 64,
			DisableSplice: true,
			DisableXAttrs: cfg.NoXattrs,
			DirectMount:   os.Geteuid() == 0,
			Debug:         cfg.DebugFUSE,
		},
	}
	rawFS := gofs.NewNodeFS(root, opts)
	if cfg.Observer != nil {
		rawFS = &observedFS{RawFileSystem: rawFS, obs: cfg.Observer}
	}
	srv, err := fuse.NewServer(rawFS, dir, &opts.MountOptions)
	if err != nil {
		return nil, fmt.Errorf("mounting %s: %w", dir, err)
	}
	go srv.Serve()
	if err := srv.WaitMount(); err != nil {
		srv.Unmount()
		return nil, fmt.Errorf("mounting %s: %w", dir, err)
	}
	raiseReadAhead(dir, cfg.Logger)
	return srv, nil
}

// opContext bounds one FUSE operation.
func (f *fsys) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.cfg.OpTimeout)
}

// dirAttr fills the attributes every directory shares.
func (f *fsys) dirAttr(out *fuse.Attr, ino uint64, mtime time.Time) {
	out.Mode = syscall.S_IFDIR | 0o555
	out.Ino = ino
	out.Nlink = 2
	out.Uid, out.Gid = f.cfg.UID, f.cfg.GID
	out.SetTimes(nil, &mtime, &mtime)
}
