//go:build !windows

package fusefs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/tree"
)

// Options shape the mount.
type Options struct {
	UID, GID   uint32        // owner of every node
	EntryTTL   time.Duration // kernel dentry cache (default DefaultAttrTTL)
	AttrTTL    time.Duration // kernel attribute cache (default DefaultAttrTTL)
	AllowOther bool
	AllowRoot  bool        // let root in as well as the mounting user (with AllowOther, it changes nothing)
	FileMode   os.FileMode // permissions of every readable file (0: the tree's, 0444)
	DirMode    os.FileMode // permissions of every directory (0: the tree's, 0555)
	NoXattrs   bool        // answer ENOSYS to xattr calls, so the kernel stops forwarding them (no user.css.*)
	// MaxFileNodes bounds the files the kernel and go-fuse hold at once
	// (default DefaultMaxFileNodes); past it the oldest are forgotten.
	MaxFileNodes int
	DebugFUSE    bool
	FsName       string    // shown by df/mount (default "cssfs")
	Audit        *AuditLog // when set, every open of an object is recorded
	Observer     Observer  // when set, hears of every FUSE operation (metrics)
	Logger       *slog.Logger
}

func (o *Options) setDefaults() {
	if o.EntryTTL <= 0 {
		o.EntryTTL = DefaultAttrTTL
	}
	if o.AttrTTL <= 0 {
		o.AttrTTL = DefaultAttrTTL
	}
	if o.MaxFileNodes <= 0 {
		o.MaxFileNodes = DefaultMaxFileNodes
	}
	if o.FsName == "" {
		o.FsName = "cssfs"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Tuning of the kernel side.
const (
	// negativeTTL: the kernel remembers a name that is not there this
	// long, so that tools probing for files do not each cost a lookup.
	negativeTTL = time.Second
	// maxRequest is the largest read (and write) the kernel sends: with
	// 1 MiB blocks, one read is one block.
	maxRequest = 1 << 20
	// maxBackground lets many readahead requests be in flight; the
	// kernel's default of 12 throttles sequential reads.
	maxBackground = 64
)

// fsys is what every node shares.
type fsys struct {
	tree  *tree.Tree
	cfg   tree.Config
	opts  Options
	log   *slog.Logger
	nodes *nodeLimiter
}

// newRoot makes the root node of t.
func newRoot(t *tree.Tree, opts Options) *rootNode {
	opts.setDefaults()
	return &rootNode{fs: &fsys{tree: t, cfg: t.Config(), opts: opts, log: opts.Logger, nodes: newNodeLimiter(opts.MaxFileNodes)}}
}

// Mount mounts t on dir and returns the running server.
func Mount(dir string, t *tree.Tree, opts Options) (*fuse.Server, error) {
	return mount(dir, newRoot(t, opts))
}

func mount(dir string, root *rootNode) (*fuse.Server, error) {
	opts := root.fs.opts
	neg := negativeTTL
	// Not "ro": the kernel would refuse setfattr user.css.refresh itself.
	// Every node answers writes with EROFS (refuseWrites).
	options := []string{"default_permissions"}
	if opts.AllowRoot && !opts.AllowOther && os.Geteuid() != 0 {
		// fusermount3 knows allow_root; the kernel does not, and root
		// mounting for itself needs none.
		options = append(options, "allow_root")
	}
	gopts := &gofs.Options{
		EntryTimeout:    &opts.EntryTTL,
		AttrTimeout:     &opts.AttrTTL,
		NegativeTimeout: &neg,
		UID:             opts.UID,
		GID:             opts.GID,
		RootStableAttr:  &gofs.StableAttr{Ino: root.fs.tree.Root().Attr.Ino, Mode: syscall.S_IFDIR},
		NullPermissions: true, // an archived object really is mode 0000
		MountOptions: fuse.MountOptions{
			FsName:        opts.FsName,
			Name:          "cssfs",
			Options:       options,
			AllowOther:    opts.AllowOther,
			MaxWrite:      maxRequest,
			MaxBackground: maxBackground,
			DisableSplice: true,
			DisableXAttrs: opts.NoXattrs,
			DirectMount:   os.Geteuid() == 0,
			Debug:         opts.DebugFUSE,
		},
	}
	rawFS := gofs.NewNodeFS(root, gopts)
	if opts.Observer != nil {
		rawFS = &observedFS{RawFileSystem: rawFS, obs: opts.Observer}
	}
	srv, err := fuse.NewServer(rawFS, dir, &gopts.MountOptions)
	if err != nil {
		return nil, fmt.Errorf("mounting %s: %w", dir, err)
	}
	go srv.Serve()
	go root.fs.nodes.run()
	go func() { srv.Wait(); close(root.fs.nodes.stop) }()
	if err := srv.WaitMount(); err != nil {
		srv.Unmount()
		return nil, fmt.Errorf("mounting %s: %w", dir, err)
	}
	raiseReadAhead(dir, opts.Logger)
	return srv, nil
}

// opContext bounds one FUSE operation.
func (f *fsys) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.cfg.OpTimeout)
}
