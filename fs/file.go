package fs

import (
	"context"
	"strings"
	"sync"
	"syscall"

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
func (n *fileNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR) != 0 {
		return nil, 0, syscall.EROFS
	}
	r := n.ref()
	if strings.HasPrefix(n.obj.MimeType, "audio/") && r.Size > 0 {
		// Header probes (ffprobe, sox) read the head and often the tail.
		n.fs.blocks.Prefetch(r, 0, n.fs.cfg.MaxAhead)
		n.fs.blocks.Prefetch(r, n.fs.blocks.NumBlocks(r)-1, n.fs.cfg.MaxAhead)
	}
	return &fileHandle{n: n}, fuse.FOPEN_KEEP_CACHE, 0
}

// fileHandle is one open file: it watches the reads to prefetch ahead of
// a sequential reader.
type fileHandle struct {
	n      *fileNode
	mu     sync.Mutex
	next   int64 // where a sequential reader would read next
	streak int64 // bytes read sequentially so far
}

var _ gofs.FileReader = (*fileHandle)(nil)

func (h *fileHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	ctx, cancel := h.n.fs.opContext(ctx)
	defer cancel()
	r := h.n.ref()
	h.readahead(r, off, int64(len(dest)))
	n, err := h.n.fs.blocks.ReadAt(ctx, r, dest, off)
	if err != nil {
		return nil, toErrno(h.n.fs.log, "read "+h.n.region+"/"+h.n.obj.ID, err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// readahead prefetches as far ahead as the reader has read sequentially
// (so the window doubles while it keeps up), up to MaxAhead. Reads arrive
// slightly out of order, so small jumps still count as sequential; a seek
// resets the streak. Nothing is prefetched until two blocks have been read
// in a row: header probes (ffprobe, sox) read a little and stop.
func (h *fileHandle) readahead(r cache.Ref, off, size int64) {
	b := h.n.fs.blocks
	bs := b.BlockSize()
	h.mu.Lock()
	if off <= h.next+2*bs && off+size >= h.next-4*bs {
		h.streak += size
		h.next = max(h.next, off+size)
	} else {
		h.streak, h.next = size, off+size
	}
	from, window := h.next, min(h.streak, h.n.fs.cfg.MaxAhead)
	h.mu.Unlock()
	if window < 2*bs {
		return
	}
	for idx := from / bs; idx*bs < from+window && idx < b.NumBlocks(r); idx++ {
		b.Prefetch(r, idx, 2*h.n.fs.cfg.MaxAhead)
	}
}
