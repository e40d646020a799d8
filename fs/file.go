package fs

import (
	"context"
	"strings"
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
	fs     *fsys
	region string
	obj    *client.Object
}

var (
	_ gofs.NodeGetattrer   = (*fileNode)(nil)
	_ gofs.NodeOpener      = (*fileNode)(nil)
	_ gofs.NodeGetxattrer  = (*fileNode)(nil)
	_ gofs.NodeListxattrer = (*fileNode)(nil)
	_ gofs.NodeStatfser    = (*fileNode)(nil)
)

// size is the object's length; a size the service did not give is shown as 0.
func (n *fileNode) size() int64 {
	return max(n.obj.StoredBytes, 0)
}

func (n *fileNode) ref() cache.Ref {
	return cache.Ref{Region: n.region, ID: n.obj.ID, Size: n.size()}
}

func (n *fileNode) attr(out *fuse.Attr) {
	size := n.size()
	out.Mode = syscall.S_IFREG | 0o444
	out.Ino = inodeOf(n.region, n.obj.ID)
	out.Size = uint64(size)
	out.Blocks = uint64((size + 511) / 512)
	out.Blksize = 1 << 20
	out.Nlink = 1
	out.Uid, out.Gid = n.fs.cfg.UID, n.fs.cfg.GID
	mtime, ctime := n.obj.CreatedTime, n.obj.UpdatedTime
	if mtime.IsZero() { // unparseable createdTime (the client logged it)
		mtime = time.Unix(0, 0)
	}
	if ctime.IsZero() {
		ctime = mtime
	}
	out.SetTimes(&mtime, &mtime, &ctime)
}

func (n *fileNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.attr(&out.Attr)
	return 0
}

func (n *fileNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	n.fs.statfs(out)
	return 0
}

// Open keeps the kernel page cache across opens: objects never change.
// Every open is audited (when asked) before any byte is served; an audit
// log that cannot be written refuses the open.
func (n *fileNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR) != 0 {
		return nil, 0, syscall.EROFS
	}
	if n.obj.StoredBytes < 0 {
		// Without a size no read can be checked; a wrong byte is worse than an error.
		n.fs.log.Error("object has no usable storedBytes; refusing to read it", "region", n.region, "id", n.obj.ID)
		return nil, 0, syscall.EIO
	}
	if err := n.fs.cfg.Audit.opened(ctx, n.region, n.obj.ID, "/"+n.Path(nil)); err != nil {
		n.fs.log.Error("audit log not written; open refused", "region", n.region, "id", n.obj.ID, "err", err)
		return nil, 0, syscall.EIO
	}
	h := &fileHandle{n: n, r: n.fs.blocks.NewReader(n.ref(), n.fs.cfg.MaxAhead)}
	if strings.HasPrefix(n.obj.MimeType, "audio/") {
		h.r.WarmEnds()
	}
	return h, fuse.FOPEN_KEEP_CACHE, 0
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
		return nil, toErrno(h.n.fs.log, "read "+h.n.region+"/"+h.n.obj.ID, err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}
