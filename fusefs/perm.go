//go:build !windows

package fusefs

import "os"

// perm is the permission bits a node of mode m shows: --file-mode and
// --dir-mode replace the tree's, except that an archived object stays
// mode 0000, since it cannot be read whatever the mode says.
func (f *fsys) perm(m os.FileMode) os.FileMode {
	switch {
	case m.IsDir() && f.opts.DirMode != 0:
		return f.opts.DirMode.Perm()
	case !m.IsDir() && m.Perm() != 0 && f.opts.FileMode != 0:
		return f.opts.FileMode.Perm()
	}
	return m.Perm()
}
