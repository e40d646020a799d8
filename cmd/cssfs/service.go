package main

import "strings"

// withoutFlag drops --name and --name=… from args.
func withoutFlag(args []string, name string) []string {
	var out []string
	for _, a := range args {
		if a == "--"+name || strings.HasPrefix(a, "--"+name+"=") {
			continue
		}
		out = append(out, a)
	}
	return out
}

// fstabOptionsIgnored are mount(8)'s generic options, which mean nothing
// to cssfs (the kernel or mount(8) itself acts on those that matter).
var fstabOptionsIgnored = map[string]bool{
	"rw": true, "ro": true, "defaults": true, "auto": true, "noauto": true, "user": true, "nouser": true,
	"users": true, "owner": true, "group": true, "dev": true, "nodev": true, "suid": true, "nosuid": true,
	"exec": true, "noexec": true, "_netdev": true, "nofail": true, "atime": true, "noatime": true,
	"diratime": true, "nodiratime": true, "relatime": true, "norelatime": true, "strictatime": true,
	"nostrictatime": true, "lazytime": true, "nolazytime": true, "async": true, "sync": true,
	"dirsync": true, "silent": true, "loud": true, "default_permissions": true,
}

// fstabOptionIgnored says whether o is a generic option: one of the above,
// or x-* and comment=* (kept for systemd and other userspace tools).
func fstabOptionIgnored(o string) bool {
	return o == "" || fstabOptionsIgnored[o] || strings.HasPrefix(o, "x-") || strings.HasPrefix(o, "comment=")
}

// helperArgs turns the mount helper call "cssfs SOURCE MOUNTPOINT -o
// opt,key=value" (how mount.fuse3 runs a "fuse.cssfs" fstab entry) into
// "cssfs mount" arguments: SOURCE is a credentials file ("none" for
// none), each option a flag (allow_other → --allow-other), in the
// background.
func helperArgs(args []string) ([]string, bool) {
	var pos, opts []string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-o" && i+1 < len(args):
			opts = append(opts, strings.Split(args[i+1], ",")...)
			i++
		case strings.HasPrefix(args[i], "-o"):
			opts = append(opts, strings.Split(args[i][2:], ",")...)
		// mount(8) runs /sbin/mount.fuse.cssfs with -t TYPE, and -n, -s
		// or -v as asked; none matters to cssfs.
		case args[i] == "-t" && i+1 < len(args):
			i++
		case args[i] == "-n" || args[i] == "-s" || args[i] == "-v":
		case strings.HasPrefix(args[i], "-"):
			return nil, false
		default:
			pos = append(pos, args[i])
		}
	}
	if len(pos) != 2 {
		return nil, false
	}
	out := []string{"--daemon"}
	if pos[0] != "none" && pos[0] != "cssfs" {
		out = append(out, "--credentials-file", pos[0])
	}
	for _, o := range opts {
		if fstabOptionIgnored(o) {
			continue
		}
		name, value, hasValue := strings.Cut(o, "=")
		flag := "--" + strings.ReplaceAll(name, "_", "-")
		if hasValue {
			out = append(out, flag+"="+value)
		} else {
			out = append(out, flag)
		}
	}
	return append(out, pos[1]), true
}
