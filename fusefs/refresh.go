//go:build !windows

package fusefs

import (
	"context"
	"syscall"

	"github.com/cssfs/cssfs/tree"
)

// Setxattr of user.css.refresh on a directory drops its cached listing and
// those below it: the next ls asks the service (and, the listing having
// changed, the kernel drops the entries it cached). Any other attribute
// cannot be written.
func (d *dirNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	if attr != tree.RefreshXattr {
		return syscall.EROFS
	}
	d.fs.tree.Forget(d.e)
	d.fs.log.Info("directory listing dropped on request", "path", d.e.Path)
	return 0
}

// Setxattr of user.css.refresh on the root drops every cached listing.
func (r *rootNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	if attr != tree.RefreshXattr {
		return syscall.EROFS
	}
	r.fs.tree.ForgetAll()
	r.fs.log.Info("every directory listing dropped on request")
	return 0
}
