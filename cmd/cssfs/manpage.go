package main

import "github.com/cssfs/cssfs/internal/clidoc"

// manPage is cssfs(1): the commands and their flags from the table, and
// what a user finds in no --help.
func manPage() clidoc.Page {
	return clidoc.Page{
		Prog: "cssfs", Version: version,
		Summary:     "mount an 8x8 Cloud Storage Service tenant as a filesystem",
		Description: manDescription,
		Commands:    docCommands(),
		Sections: []clidoc.Section{
			{Title: "Mounting from fstab", Text: manFstab},
			{Title: "Signals", Text: manSignals},
			{Title: "Environment", Text: manEnvironment},
			{Title: "Files", Text: manFiles},
			{Title: "Exit status", Text: "0 when all went well, 1 on a failure, 2 on a mistake in the command line.\n"},
			{Title: "See also", Text: "fusermount3(1), mount(8), fstab(5), systemd.service(5), logrotate(8), and\nthe README of cssfs.\n"},
		},
	}
}

const manDescription = `cssfs mounts an 8x8 Cloud Storage Service (CSS) tenant (call recordings,
voicemails, transcripts, screen recordings) as a read-only filesystem, so
that the tools people already use (ls, find, rsync, ffprobe, players) work
on it. cssfs ls, cat and get show the same tree without FUSE.

It needs an 8x8 API key with the "Call Recordings & Storage" product, given
by CSSFS_KEY and CSSFS_SECRET or a credentials file of mode 0600 holding
key=... and secret=... lines. Without one, --demo mounts a built-in sample
tenant:
  cssfs mount --demo /tmp/css
`

const manFstab = `An entry of type fuse.cssfs names the credentials file as its source and
takes any flag of cssfs mount as an option, with _ for -; mount(8)'s generic
options (defaults, ro, nosuid, noatime, _netdev, nofail, x-*, ...) are
ignored. mount(8) runs /sbin/mount.fuse.cssfs, which starts the mount in the
background and logs to the system log (tag cssfs) unless --log-file is set:
  /etc/cssfs/credentials /mnt/css fuse.cssfs _netdev,allow_other,gid=1234,file_mode=0440,dir_mode=0550 0 0
`

const manSignals = `SIGHUP (systemctl reload cssfs) drops the cached directory listings and
reopens --log-file and --audit-log, after logrotate has renamed them.
SIGINT and SIGTERM unmount, lazily when files are open.

Under systemd with Type=notify, the mount reports READY=1 once it serves and
STOPPING=1 when it unmounts; when the unit sets WatchdogSec=, it sends
WATCHDOG=1 at half that interval while it serves.
`

const manEnvironment = `CSSFS_KEY, CSSFS_SECRET: the API key and secret.

CSSFS_CREDENTIALS_FILE: the default of --credentials-file.

CSSFS_API_URL: the default of --api-url.

GOMEMLIMIT, GOGC: override the memory limit and collector pace cssfs sets
from --cache-size.
`

const manFiles = `/etc/cssfs/credentials: key and secret, mode 0600 (the packaged unit's).

/lib/systemd/system/cssfs.service: the unit, which mounts at /mnt/css.

/etc/logrotate.d/cssfs: rotates /var/log/cssfs.log and
/var/log/cssfs-audit.jsonl.

/sbin/mount.fuse.cssfs: the fstab helper (a link to cssfs).
`
