package fs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/cache"
	"github.com/cssfs/cssfs/client"
)

// fileNode is one object. Its metadata comes from the listing that found it,
// so stat costs no request.
type fileNode struct {
	gofs.Inode
	refuseWrites
	fs     *fsys
	region string

	mu        sync.Mutex
	obj       *client.Object // replaced when a restore makes it AVAILABLE
	refreshed time.Time      // when the state of a non-available object was last asked for
}

// refreshEvery bounds how often stat of a non-available object asks the
// service for its state (opening one always asks).
const refreshEvery = 10 * time.Second

var (
	_ gofs.NodeGetattrer   = (*fileNode)(nil)
	_ gofs.NodeOpener      = (*fileNode)(nil)
	_ gofs.NodeGetxattrer  = (*fileNode)(nil)
	_ gofs.NodeListxattrer = (*fileNode)(nil)
	_ gofs.NodeStatfser    = (*fileNode)(nil)
)

// object is the object's metadata as last seen.
func (n *fileNode) object() *client.Object {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.obj
}

// size is the object's length; a size the service did not give is shown as 0.
func (n *fileNode) size() int64 {
	return max(n.object().StoredBytes, 0)
}

func (n *fileNode) ref() cache.Ref {
	return cache.Ref{Region: n.region, ID: n.object().ID, Size: n.size()}
}

func (n *fileNode) attr(out *fuse.Attr) {
	o := n.object()
	size := max(o.StoredBytes, 0)
	out.Mode = syscall.S_IFREG | 0o444
	if o.ObjectState != "AVAILABLE" { // archived (or worse): nothing to read yet
		out.Mode = syscall.S_IFREG
	}
	out.Ino = inodeOf(n.region, o.ID)
	out.Size = uint64(size)
	out.Blocks = uint64((size + 511) / 512)
	out.Blksize = 1 << 20
	out.Nlink = 1
	out.Uid, out.Gid = n.fs.cfg.UID, n.fs.cfg.GID
	mtime, ctime := o.CreatedTime, o.UpdatedTime
	if mtime.IsZero() { // unparseable createdTime (the client logged it)
		mtime = time.Unix(0, 0)
	}
	if ctime.IsZero() {
		ctime = mtime
	}
	out.SetTimes(&mtime, &mtime, &ctime)
}

// refresh re-reads the metadata of an object that is not AVAILABLE (one
// request, at most every refreshEvery unless forced), so that a restored
// object becomes readable without a remount.
func (n *fileNode) refresh(ctx context.Context, force bool) {
	n.mu.Lock()
	o := n.obj
	due := force || time.Since(n.refreshed) >= refreshEvery
	if due {
		n.refreshed = time.Now()
	}
	n.mu.Unlock()
	if o.ObjectState == "AVAILABLE" || !due {
		return
	}
	fresh, err := n.fs.api.Object(ctx, n.region, o.ID)
	if err != nil {
		n.fs.log.Debug("refreshing object state", "region", n.region, "id", o.ID, "err", err)
		return
	}
	n.mu.Lock()
	n.obj = &fresh
	n.mu.Unlock()
}

func (n *fileNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if n.object().ObjectState != "AVAILABLE" {
		ctx, cancel := n.fs.opContext(ctx)
		defer cancel()
		n.refresh(ctx, false)
		out.SetTimeout(time.Second)
	}
	n.attr(&out.Attr)
	return 0
}

func (n *fileNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	n.fs.statfs(out)
	return 0
}

// restoreXattr is the attribute that asks for an archived object back:
// setfattr -n user.css.restore -v DAYS FILE.
const restoreXattr = xattrPrefix + "restore"

func (n *fileNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	if attr != restoreXattr {
		return syscall.EROFS
	}
	o := n.object()
	days, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || days < 1 || days > 10 {
		n.fs.log.Warn("restore: the value must be a number of days from 1 to 10", "id", o.ID, "value", string(data))
		return syscall.EINVAL
	}
	ctx, cancel := n.fs.opContext(ctx)
	defer cancel()
	if err := n.fs.api.Restore(ctx, n.region, o.ID, days); err != nil {
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.Status == 400 {
			n.fs.log.Warn("restore refused: the object is not archived", "region", n.region, "id", o.ID, "err", err)
			return syscall.EINVAL
		}
		if errors.Is(err, client.ErrForbidden) {
			n.fs.log.Error("restore refused: the API key has no edit access", "region", n.region, "id", o.ID)
			return syscall.EACCES
		}
		return toErrno(n.fs.log, "restore "+n.region+"/"+o.ID, err)
	}
	n.fs.log.Info("restore requested; the file becomes readable once the service has restored it (up to 24 h)", "region", n.region, "id", o.ID, "days", days)
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
	if n.object().ObjectState != "AVAILABLE" {
		octx, cancel := n.fs.opContext(ctx)
		n.refresh(octx, true)
		cancel()
	}
	o, path := n.object(), "/"+n.Path(nil)
	if err := n.fs.readable(n.region, o, path); err != nil {
		return nil, 0, toErrno(n.fs.log, "open", err)
	}
	if err := n.fs.cfg.Audit.opened(ctx, n.region, o.ID, path); err != nil {
		n.fs.log.Error("audit log not written; open refused", "region", n.region, "id", o.ID, "err", err)
		return nil, 0, syscall.EIO
	}
	h := &fileHandle{n: n, r: n.fs.blocks.NewReader(n.ref(), n.fs.cfg.MaxAhead)}
	if strings.HasPrefix(o.MimeType, "audio/") {
		h.r.WarmEnds()
	}
	return h, fuse.FOPEN_KEEP_CACHE, 0
}

// readable says (and logs) why an object cannot be read, if it cannot.
func (f *fsys) readable(region string, o *client.Object, path string) error {
	if o.ObjectState != "AVAILABLE" {
		f.log.Warn("object is "+o.ObjectState+" and cannot be read; to restore it for 7 days: setfattr -n "+restoreXattr+" -v 7 FILE",
			"region", region, "id", o.ID, "path", path)
		return fmt.Errorf("object %s is %s: %w", o.ID, o.ObjectState, syscall.EACCES)
	}
	if o.StoredBytes < 0 {
		// Without a size no read can be checked; a wrong byte is worse than an error.
		f.log.Error("object has no usable storedBytes; refusing to read it", "region", region, "id", o.ID)
		return fmt.Errorf("object %s has no usable size: %w", o.ID, syscall.EIO)
	}
	return nil
}

// fileHandle is one open file.
type fileHandle struct {
	n *fileNode
	r *cache.Reader
}

var _ gofs.FileReader = (*fileHandle)(nil)

func (h *fileHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	ctx, cancel := h.n.fs.opContext(ctx)
	defer cancel()
	n, err := h.r.ReadAt(ctx, dest, off)
	if err != nil {
		return nil, toErrno(h.n.fs.log, "read "+h.n.region+"/"+h.n.object().ID, err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}
