//go:build !windows

package fusefs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/tree"
)

// fileNode is one object. Its metadata comes from the listing that found
// it, so stat costs no request.
type fileNode struct {
	gofs.Inode
	refuseWrites
	fs *fsys

	mu        sync.Mutex
	e         tree.Entry // replaced when a restore makes the object AVAILABLE
	refreshed time.Time  // when the state of an unsettled object was last asked for

	queued, gone bool // guarded by fs.nodes.mu
}

// OnForget: go-fuse has dropped the node.
func (n *fileNode) OnForget() { n.fs.nodes.forgotten(n) }

// refreshEvery bounds how often stat of an object that is not AVAILABLE
// asks the service for its state (opening one always asks).
const refreshEvery = 10 * time.Second

// entry is the object as last seen.
func (n *fileNode) entry() tree.Entry {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.e
}

// refresh asks the service again about an object that is not AVAILABLE
// (at most every refreshEvery unless forced), so that a restored object
// becomes readable without a remount.
func (n *fileNode) refresh(ctx context.Context, force bool) {
	n.mu.Lock()
	e := n.e
	due := force || time.Since(n.refreshed) >= refreshEvery
	if due {
		n.refreshed = time.Now()
	}
	n.mu.Unlock()
	if e.Settled() || !due {
		return
	}
	fresh, err := n.fs.tree.Refresh(ctx, e)
	if err != nil {
		n.fs.log.Debug("refreshing object state", "path", e.Path, "err", err)
		return
	}
	n.mu.Lock()
	n.e = fresh
	n.mu.Unlock()
}

func (n *fileNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if !n.entry().Settled() {
		ctx, cancel := n.fs.opContext(ctx)
		defer cancel()
		n.refresh(ctx, false)
		out.SetTimeout(unsettledTTL)
	}
	n.fs.attr(&out.Attr, n.entry().Attr)
	return 0
}

func (n *fileNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	statfs(out)
	return 0
}

// Setxattr of user.css.restore asks for an archived object back:
// setfattr -n user.css.restore -v DAYS FILE.
func (n *fileNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	if attr != tree.RestoreXattr {
		return syscall.EROFS
	}
	e := n.entry()
	days, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return toErrno(n.fs.log, "restore", fmt.Errorf("%s: restore: %q is not a number of days from %d to %d: %w", e.Path, data, tree.MinRestoreDays, tree.MaxRestoreDays, tree.ErrInvalidArgument))
	}
	ctx, cancel := n.fs.opContext(ctx)
	defer cancel()
	if err := n.fs.tree.Restore(ctx, e, days); err != nil {
		return toErrno(n.fs.log, "restore", err)
	}
	n.mu.Lock()
	n.refreshed = time.Time{} // the next stat asks again
	n.mu.Unlock()
	return 0
}

// Open keeps the kernel page cache across opens: objects never change.
// Every open is audited (when asked) before any byte is served; an audit
// log that cannot be written refuses the open.
func (n *fileNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR) != 0 {
		return nil, 0, syscall.EROFS
	}
	octx, cancel := n.fs.opContext(ctx)
	defer cancel()
	if !n.entry().Settled() {
		n.refresh(octx, true)
	}
	e := n.entry()
	r, err := n.fs.tree.Open(octx, e)
	if err != nil {
		return nil, 0, toErrno(n.fs.log, "open", err)
	}
	if err := n.fs.opts.Audit.opened(ctx, e.Region, e.ObjectID, "/"+n.Path(nil)); err != nil {
		n.fs.log.Error("audit log not written; open refused", "region", e.Region, "id", e.ObjectID, "err", err)
		return nil, 0, syscall.EIO
	}
	r.WarmEnds()
	return &fileHandle{fs: n.fs, r: r}, fuse.FOPEN_KEEP_CACHE, 0
}

func (n *fileNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if unservedXattr(attr) {
		return 0, syscall.EOPNOTSUPP // see xattr.go: ls -l then stops asking
	}
	octx, cancel := n.fs.opContext(ctx)
	defer cancel()
	xs, err := n.fs.tree.Xattrs(octx, n.entry())
	if err != nil {
		return 0, toErrno(n.fs.log, "getxattr", err)
	}
	for _, x := range xs {
		if x.Name == attr {
			return copyOut(dest, []byte(x.Value))
		}
	}
	return 0, gofs.ENOATTR
}

func (n *fileNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	octx, cancel := n.fs.opContext(ctx)
	defer cancel()
	xs, err := n.fs.tree.Xattrs(octx, n.entry())
	if err != nil {
		return 0, toErrno(n.fs.log, "listxattr", err)
	}
	var buf []byte
	for _, x := range xs {
		buf = append(append(buf, x.Name...), 0)
	}
	return copyOut(dest, buf)
}

// copyOut follows the xattr size protocol: a buffer too small (or empty,
// a size probe) gets the needed size and ERANGE.
func copyOut(dest, val []byte) (uint32, syscall.Errno) {
	if len(dest) < len(val) {
		return uint32(len(val)), syscall.ERANGE
	}
	return uint32(copy(dest, val)), 0
}

// fileHandle is one open file.
type fileHandle struct {
	fs *fsys
	r  *tree.Reader
}

func (h *fileHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	ctx, cancel := h.fs.opContext(ctx)
	defer cancel()
	// The reply is written from the cached block itself when the read lies
	// in one block (most do): a copy fewer per byte.
	b, release, err := h.r.ReadView(ctx, dest, off)
	if err != nil {
		release()
		return nil, toErrno(h.fs.log, "read", err)
	}
	return &viewResult{data: b, release: release}, 0
}

// viewResult is a read's reply that may be a view of a cached block: once
// go-fuse has written it, Done releases the view, so that the block's
// buffer can be reused.
//
// It must offer Slices: with DisableSplice, go-fuse (v2.12.1,
// protocolServer.handleRequest) flattens any other result with Bytes and
// calls Done before writing the reply, which would free the bytes it is
// about to write. A result with Slices is written by fuseFD.write, which
// calls Done after the write (TestViewResultIsWrittenBeforeDone). Go-fuse
// does not call Done for an empty reply: an empty view holds no block.
type viewResult struct {
	data    []byte
	release func() // may be called more than once
}

func (r *viewResult) Size() int { return len(r.data) }

func (r *viewResult) Bytes([]byte) ([]byte, fuse.Status) { return r.data, fuse.OK }

func (r *viewResult) Slices() ([][]byte, fuse.Status) { return [][]byte{r.data}, fuse.OK }

func (r *viewResult) Done() { r.release() }

// Release: the file is closed; readahead only it wanted stops.
func (h *fileHandle) Release(ctx context.Context) syscall.Errno {
	h.r.Close()
	return 0
}

// sidecarNode is NAME.meta.json: an object's metadata as a small JSON file,
// for tools that cannot read extended attributes.
type sidecarNode struct {
	gofs.Inode
	refuseWrites
	fs *fsys
	e  tree.Entry
	r  *tree.Reader
}

func newSidecarNode(ctx context.Context, f *fsys, e tree.Entry) *sidecarNode {
	r, _ := f.tree.Open(ctx, e) // a sidecar's JSON is at hand: opening it cannot fail
	return &sidecarNode{fs: f, e: e, r: r}
}

func (s *sidecarNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	s.fs.attr(&out.Attr, s.e.Attr)
	return 0
}

func (s *sidecarNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	statfs(out)
	return 0
}

func (s *sidecarNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR) != 0 {
		return nil, 0, syscall.EROFS
	}
	return nil, fuse.FOPEN_KEEP_CACHE, 0
}

func (s *sidecarNode) Read(ctx context.Context, _ gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	b, release, err := s.r.ReadView(ctx, dest, off)
	if err != nil {
		release()
		return nil, toErrno(s.fs.log, "read", err)
	}
	return &viewResult{data: b, release: release}, 0
}
