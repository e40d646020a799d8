// Package fusefs mounts a tree (package tree) with go-fuse: nodes that
// hand each call to the tree, the mount's options, and the one function
// that turns the tree's errors into errno values.
//
// Only DefaultAttrTTL is built for Windows, where go-fuse has no port.
package fusefs

import "time"

// DefaultAttrTTL is how long the kernel keeps names and attributes by
// default (and of --attr-ttl). It is here, in the one file built for
// Windows too, so that the mount's flags are the same everywhere.
const DefaultAttrTTL = time.Minute
