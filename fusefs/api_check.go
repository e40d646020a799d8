//go:build !windows

package fusefs

import gofs "github.com/hanwen/go-fuse/v2/fs"

// The go-fuse interfaces each node implements, checked at compile time.
// A node lacking one of them answers the call with go-fuse's default
// (ENOTSUP for open, an empty list for xattrs, zeros for statfs).
var (
	_ gofs.NodeOnAdder   = (*rootNode)(nil)
	_ gofs.NodeGetattrer = (*rootNode)(nil)
	_ gofs.NodeStatfser  = (*rootNode)(nil)

	_ gofs.NodeLookuper       = (*dirNode)(nil)
	_ gofs.NodeOpendirHandler = (*dirNode)(nil)
	_ gofs.NodeGetattrer      = (*dirNode)(nil)
	_ gofs.NodeStatfser       = (*dirNode)(nil)
	_ gofs.NodeUnlinker       = (*dirNode)(nil)
	_ gofs.NodeRmdirer        = (*dirNode)(nil)

	_ gofs.FileReaddirenter = (*dirHandle)(nil)
	_ gofs.FileSeekdirer    = (*dirHandle)(nil)
	_ gofs.FileReleasedirer = (*dirHandle)(nil)

	_ gofs.NodeGetattrer   = (*fileNode)(nil)
	_ gofs.NodeOpener      = (*fileNode)(nil)
	_ gofs.NodeGetxattrer  = (*fileNode)(nil)
	_ gofs.NodeListxattrer = (*fileNode)(nil)
	_ gofs.NodeSetxattrer  = (*fileNode)(nil)
	_ gofs.NodeStatfser    = (*fileNode)(nil)
	_ gofs.NodeOnForgetter = (*fileNode)(nil)

	_ gofs.FileReader = (*fileHandle)(nil)

	_ gofs.NodeSetxattrer = (*dirNode)(nil)  // user.css.refresh
	_ gofs.NodeSetxattrer = (*rootNode)(nil) // user.css.refresh

	_ gofs.NodeGetattrer = (*sidecarNode)(nil)
	_ gofs.NodeOpener    = (*sidecarNode)(nil)
	_ gofs.NodeReader    = (*sidecarNode)(nil)
	_ gofs.NodeStatfser  = (*sidecarNode)(nil)

	// Every node refuses writes with EROFS unless it defines the call itself.
	_ gofs.NodeMkdirer       = refuseWrites{}
	_ gofs.NodeCreater       = refuseWrites{}
	_ gofs.NodeRmdirer       = refuseWrites{}
	_ gofs.NodeUnlinker      = refuseWrites{}
	_ gofs.NodeRenamer       = refuseWrites{}
	_ gofs.NodeSetattrer     = refuseWrites{}
	_ gofs.NodeSymlinker     = refuseWrites{}
	_ gofs.NodeLinker        = refuseWrites{}
	_ gofs.NodeMknoder       = refuseWrites{}
	_ gofs.NodeSetxattrer    = refuseWrites{}
	_ gofs.NodeRemovexattrer = refuseWrites{}
)
