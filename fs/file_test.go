package fs

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/client"
)

// Metadata that lies gets sane attributes, and a size we cannot trust is
// never read.
func TestLyingMetadata(t *testing.T) {
	f := &fsys{}
	f.cfg.setDefaults()
	f.log = f.cfg.Logger
	n := &fileNode{fs: f, region: "uk", obj: &client.Object{ID: "x", StoredBytes: -1, ObjectState: "AVAILABLE"}}
	var a fuse.Attr
	n.attr(&a)
	if a.Size != 0 || a.Mtime != 0 || a.Mode != syscall.S_IFREG|0o444 {
		t.Errorf("attr of an object without size or time: size %d mtime %d mode %o", a.Size, a.Mtime, a.Mode)
	}
	if _, _, errno := n.Open(context.Background(), syscall.O_RDONLY); errno != syscall.EIO {
		t.Errorf("open of an object without a size: errno %v, want EIO", errno)
	}
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	n.obj = &client.Object{ID: "y", StoredBytes: 10, CreatedTime: created, ObjectState: "AVAILABLE"}
	n.attr(&a)
	if a.Size != 10 || a.Mtime != uint64(created.Unix()) || a.Ctime != uint64(created.Unix()) {
		t.Errorf("attr: %+v", a)
	}
}
