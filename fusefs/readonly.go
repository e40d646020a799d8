//go:build !windows

package fusefs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// refuseWrites answers every write-type operation with EROFS. Nodes embed
// it; those that allow one (deleting, restoring) define that method
// themselves. It matters when the mount is not "ro" (--allow-delete,
// --show-archived), since then the kernel passes writes on to us.
type refuseWrites struct{}

func (refuseWrites) Mkdir(context.Context, string, uint32, *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

func (refuseWrites) Create(context.Context, string, uint32, uint32, *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EROFS
}

func (refuseWrites) Rmdir(context.Context, string) syscall.Errno  { return syscall.EROFS }
func (refuseWrites) Unlink(context.Context, string) syscall.Errno { return syscall.EROFS }

func (refuseWrites) Rename(context.Context, string, gofs.InodeEmbedder, string, uint32) syscall.Errno {
	return syscall.EROFS
}

func (refuseWrites) Setattr(context.Context, gofs.FileHandle, *fuse.SetAttrIn, *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

func (refuseWrites) Symlink(context.Context, string, string, *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

func (refuseWrites) Link(context.Context, gofs.InodeEmbedder, string, *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

func (refuseWrites) Mknod(context.Context, string, uint32, uint32, *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

func (refuseWrites) Setxattr(context.Context, string, []byte, uint32) syscall.Errno {
	return syscall.EROFS
}

func (refuseWrites) Removexattr(context.Context, string) syscall.Errno { return syscall.EROFS }
