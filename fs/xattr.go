package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
)

const xattrPrefix = "user.css."

// xattrs lists an object's metadata as extended attributes, in a fixed order.
func (n *fileNode) xattrs() [][2]string {
	o := n.object()
	out := [][2]string{
		{"id", o.ID},
		{"type", o.Type},
		{"mimeType", o.MimeType},
		{"checksum", o.Checksum},
		{"checksumType", o.ChecksumType},
		{"objectState", o.ObjectState},
		{"bucketId", o.BucketID},
		{"userId", o.UserID},
		{"customerId", o.CustomerID},
		{"region", n.region},
		{"objectName", o.ObjectName},
	}
	for _, t := range o.Tags {
		out = append(out, [2]string{"tag." + t.Key, t.Value})
	}
	for i := range out {
		out[i][0] = xattrPrefix + out[i][0]
	}
	return out
}

func (n *fileNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	for _, kv := range n.xattrs() {
		if kv[0] == attr {
			return copyOut(dest, []byte(kv[1]))
		}
	}
	return 0, gofs.ENOATTR
}

func (n *fileNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	var buf []byte
	for _, kv := range n.xattrs() {
		buf = append(append(buf, kv[0]...), 0)
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
