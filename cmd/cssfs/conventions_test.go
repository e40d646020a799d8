package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cssfs/cssfs/internal/mounttest"
)

// --help is an answer, not a mistake: on standard output, exit 0.
func TestHelpOnStdout(t *testing.T) {
	for _, c := range commands() {
		cmd := c.name
		for _, flag := range []string{"--help", "-h"} {
			var out, errOut bytes.Buffer
			code := run([]string{cmd, flag}, &out, &errOut)
			if code != 0 || !strings.Contains(out.String(), "Usage: cssfs "+cmd) || errOut.Len() != 0 {
				t.Errorf("cssfs %s %s: exit %d, stdout %q, stderr %q; want 0, the usage on stdout, nothing on stderr", cmd, flag, code, out.String(), errOut.String())
			}
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Usage:") {
		t.Errorf("cssfs --help: exit %d, %q", code, out.String())
	}
	// A mistake still shows the usage, on standard error, with exit 2.
	out.Reset()
	errOut.Reset()
	if code := run([]string{"ls", "--bogus"}, &out, &errOut); code != 2 || out.Len() != 0 || !strings.Contains(errOut.String(), "Usage: cssfs ls") {
		t.Errorf("cssfs ls --bogus: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

// -f/--foreground and --read-only are what users of the other FUSE tools
// type; they change nothing here.
func TestForegroundAndReadOnlyAccepted(t *testing.T) {
	f, _ := newMountFlags(io.Discard)
	if err := parseFlags(f, []string{"-f", "--read-only", "--foreground", "/mnt"}, io.Discard); err != nil || f.NArg() != 1 {
		t.Fatalf("-f --read-only: %v", err)
	}
	mounttest.RequireFUSE(t)
	m := mountEmulator(t, tenant, "-f", "--read-only")
	if _, err := os.ReadDir(m.Dir); err != nil {
		t.Fatal(err)
	}
}

func TestHelperIgnoresGenericOptions(t *testing.T) {
	got, ok := helperArgs([]string{"/etc/cssfs/credentials", "/mnt/css", "-o",
		"defaults,ro,rw,nosuid,nodev,noexec,noatime,nodiratime,relatime,lazytime,async,sync,_netdev,nofail,auto,noauto,user,users,x-systemd.automount,x-gvfs-hide,comment=x,region=uk,allow_other"})
	want := []string{"--daemon", "--credentials-file", "/etc/cssfs/credentials", "--region=uk", "--allow-other", "/mnt/css"}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("helperArgs = %q, %v; want %q", got, ok, want)
	}
	// As /sbin/mount.fuse.cssfs, called by mount(8) itself.
	got, ok = helperArgs([]string{"/etc/cssfs/credentials", "/mnt/css", "-n", "-s", "-v", "-o", "rw,region=uk", "-t", "fuse.cssfs"})
	want = []string{"--daemon", "--credentials-file", "/etc/cssfs/credentials", "--region=uk", "/mnt/css"}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("helperArgs as mount.fuse.cssfs = %q, %v; want %q", got, ok, want)
	}
}

func TestCredentialsShellStyle(t *testing.T) {
	p := filepath.Join(t.TempDir(), "creds")
	os.WriteFile(p, []byte("# from the admin's env file\nexport CSSFS_KEY=\"abc def\"\n  export CSSFS_SECRET='s3=cr#3t'\n"), 0o600)
	key, secret, err := readCredentials(p, "", "")
	if err != nil || key != "abc def" || secret != "s3=cr#3t" {
		t.Errorf("got %q %q %v", key, secret, err)
	}
	os.WriteFile(p, []byte("key: \"k\"\nsecret = s\n"), 0o600)
	if key, secret, err := readCredentials(p, "", ""); err != nil || key != "k" || secret != "s" {
		t.Errorf("got %q %q %v", key, secret, err)
	}
}
