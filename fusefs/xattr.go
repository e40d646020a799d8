//go:build !windows

package fusefs

import (
	"context"
	"strings"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// Extended attributes: cssfs serves only the user. namespace (user.css.*).
// A name in any other namespace (security.selinux, system.posix_acl_access,
// trusted.*) is answered EOPNOTSUPP rather than ENODATA. That is the truth
// (this filesystem has no labels and no ACLs), and it is what lets `ls -l`
// stop asking: GNU ls remembers, per device, that labels and ACLs are not
// supported once one file says so, where ENODATA makes it ask every file
// again (two FUSE round trips per file, which the kernel never caches).
// The kernel passes EOPNOTSUPP through unchanged (only ENOSYS makes it
// stop forwarding getxattr altogether, which is what --no-xattrs does), and
// reads of security.capability treat it as "no capabilities".
func unservedXattr(attr string) bool {
	return !strings.HasPrefix(attr, "user.")
}

// getxattrNone answers a node that has no attributes of its own.
func getxattrNone(attr string) (uint32, syscall.Errno) {
	if unservedXattr(attr) {
		return 0, syscall.EOPNOTSUPP
	}
	return 0, gofs.ENOATTR
}

func (r *rootNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattrNone(attr)
}

func (d *dirNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattrNone(attr)
}

func (s *sidecarNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattrNone(attr)
}

var (
	_ gofs.NodeGetxattrer = (*rootNode)(nil)
	_ gofs.NodeGetxattrer = (*dirNode)(nil)
	_ gofs.NodeGetxattrer = (*sidecarNode)(nil)
)
