//go:build !windows

// Package mounts reads this process's mount table and unmounts, for the
// unmount command, the mount's own exit and the CSI driver's clean-up.
package mounts

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// CSSFS is the type the kernel shows for a cssfs mount.
const CSSFS = "fuse.cssfs"

// Entry is one mount of this process's namespace.
type Entry struct {
	Point, Type, Source string
}

// List reads /proc/self/mountinfo (Linux; elsewhere it fails).
func List() ([]Entry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("listing mounts: %w", err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" && i >= 6 {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || sep+2 >= len(fields) {
			continue
		}
		out = append(out, Entry{Point: unescape(fields[4]), Type: fields[sep+1], Source: unescape(fields[sep+2])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("listing mounts: %w", err)
	}
	return out, nil
}

// TypeAt is the type of the filesystem mounted on dir, "" if none: the
// last mount on dir, which is the one on top.
func TypeAt(dir string) (string, error) {
	all, err := List()
	if err != nil {
		return "", err
	}
	typ := ""
	for _, m := range all {
		if m.Point == dir {
			typ = m.Type
		}
	}
	return typ, nil
}

// unescape undoes the octal escapes (\040 for a space) of mountinfo.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Unmount unmounts dir: directly as root, else through fusermount3. Lazy
// detaches a busy mount, which goes away when its open files are closed.
// A busy mount refused as root is an error that is syscall.EBUSY.
func Unmount(dir string, lazy bool) error {
	if os.Geteuid() == 0 {
		flags := 0
		if lazy {
			flags = lazyFlag
		}
		if err := syscall.Unmount(dir, flags); err != nil {
			return fmt.Errorf("unmounting %s: %w", dir, err)
		}
		return nil
	}
	args := []string{"-u"}
	if lazy {
		args = append(args, "-z")
	}
	args = append(args, dir)
	if out, err := exec.Command("fusermount3", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("fusermount3 %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
