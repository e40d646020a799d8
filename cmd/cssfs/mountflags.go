package main

import (
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/fusefs"
	"github.com/cssfs/cssfs/internal/clidoc"
	"github.com/cssfs/cssfs/tree"
)

const mountDescription = `Mounts the tenant at MOUNTPOINT, read-only, and serves it until it is
unmounted (Ctrl-C, umount, cssfs unmount) or, with --daemon, in the
background. It prints one line once the mount is ready.
Examples:
  CSSFS_KEY=… CSSFS_SECRET=… cssfs mount /mnt/css
  cssfs mount --credentials-file ~/.config/cssfs/creds --region uk --layout date /mnt/css
  cssfs mount --demo /tmp/css
`

// mountFlags are the settings of "cssfs mount".
type mountFlags struct {
	serviceFlags
	dirTTL, attrTTL       time.Duration
	allowOther, debugFUSE bool
	allowRoot             bool
	fileMode, dirMode     octalMode
	noXattrs, allowDelete bool
	uid, gid              int
	cpuProfile, auditLog  string
	metricsAddr           string
	daemon                bool
}

func newMountFlags(stderr io.Writer) (*pflag.FlagSet, *mountFlags) {
	m := &mountFlags{}
	f := newFlagSet("mount", stderr)
	m.register(f)
	f.DurationVar(&m.dirTTL, "dir-cache-ttl", tree.DefaultDirTTL, "how long a directory listing is reused")
	f.DurationVar(&m.attrTTL, "attr-ttl", fusefs.DefaultAttrTTL, "how long the kernel caches names and attributes")
	f.BoolVar(&m.allowOther, "allow-other", false, "let other users read the mount (needs user_allow_other in /etc/fuse.conf unless root)")
	f.BoolVar(&m.allowRoot, "allow-root", false, "let root read the mount too (needs user_allow_other in /etc/fuse.conf unless root)")
	m.fileMode, m.dirMode = 0o444, 0o555
	f.Var(&m.fileMode, "file-mode", "permissions of files, in octal (e.g. 0440 with --gid for one group; archived objects stay 0000)")
	f.Var(&m.dirMode, "dir-mode", "permissions of directories, in octal (e.g. 0550)")
	f.BoolVar(&m.noXattrs, "no-xattrs", false, "no user.css.* extended attributes (ls -l no longer needs this: it asks once per mount either way)")
	f.BoolVar(&m.allowDelete, "allow-delete", false, "let rm of a file delete the object (rm -r of a directory is refused)")
	f.IntVar(&m.uid, "uid", os.Getuid(), "owner of files and directories")
	f.IntVar(&m.gid, "gid", os.Getgid(), "group of files and directories")
	f.StringVar(&m.auditLog, "audit-log", "", "append one JSON line per open of an object (time, uid, pid, region, object id, path) to this file, created 0600")
	f.BoolVar(&m.daemon, "daemon", false, "run in the background once the mount is ready (for /etc/fstab and systemd Type=forking)")
	f.StringVar(&m.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://HOST:PORT/metrics")
	f.BoolVar(&m.debugFUSE, "debug-fuse", false, "log every FUSE request")
	// Accepted for people and scripts coming from rclone, s3fs and
	// mountpoint-s3: cssfs already runs in the foreground and is read-only.
	f.BoolP("foreground", "f", false, "no-op: cssfs runs in the foreground unless --daemon")
	f.Bool("read-only", false, "no-op: the mount is always read-only")
	f.StringVar(&m.cpuProfile, "cpu-profile", "", "write a CPU profile to this file until unmount (for performance work)")
	f.MarkHidden("cpu-profile")
	clidoc.MarkFile(f, "audit-log")
	clidoc.MarkFile(f, "cpu-profile")
	clidoc.SetDefaultText(f, "uid", "the user running cssfs")
	clidoc.SetDefaultText(f, "gid", "the group of the user running cssfs")
	return f, m
}

const unmountDescription = `Unmounts a cssfs mount (and refuses any other mount), as umount does.
A busy mount (files open on it) is refused unless -z detaches it now; it
then goes away when its last file is closed.
`

func newUnmountFlags(stderr io.Writer, lazy *bool) *pflag.FlagSet {
	f := newFlagSet("unmount", stderr)
	f.BoolVarP(lazy, "lazy", "z", false, "detach a busy mount now; it goes away when its files are closed")
	return f
}
