//go:build !windows

package fusefs

import (
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/naming"
	"github.com/cssfs/cssfs/tree"
)

// statBlockSize is the unit of st_blocks.
const statBlockSize = 512

// attr fills out from a tree entry's attributes, owned by the mounting
// user (or --uid/--gid).
func (f *fsys) attr(out *fuse.Attr, a tree.Attr) {
	out.Ino = a.Ino
	out.Mode = uint32(f.perm(a.Mode))
	if a.Mode.IsDir() {
		out.Mode |= syscall.S_IFDIR
	} else {
		out.Mode |= syscall.S_IFREG
	}
	out.Size = uint64(a.Size)
	out.Blocks = uint64((a.Size + statBlockSize - 1) / statBlockSize)
	out.Blksize = uint32(a.BlockSize)
	out.Nlink = a.Nlink
	out.Uid, out.Gid = f.opts.UID, f.opts.GID
	var atime *time.Time
	if !a.Atime.IsZero() {
		atime = &a.Atime
	}
	out.SetTimes(atime, &a.Mtime, &a.Ctime)
}

// What df shows: a read-only filesystem with nothing free. The service
// reports no quota, so the totals are nominal.
const (
	statfsBlock   = 4096
	nominalBlocks = 1 << 28 // 1 TiB of 4 KiB blocks
	nominalFiles  = 1 << 30
)

func statfs(out *fuse.StatfsOut) {
	out.Bsize = statfsBlock
	out.Frsize = statfsBlock
	out.NameLen = naming.MaxBytes
	out.Blocks = nominalBlocks
	out.Files = nominalFiles
}
