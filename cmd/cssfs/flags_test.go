package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{"256MiB": 256 << 20, "1M": 1 << 20, "4G": 4 << 30, "65536": 65536, "16 KiB": 16 << 10, "1mb": 1 << 20} {
		var s byteSize
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, s, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1M", "1.5G", "99999999999999999999G"} {
		var s byteSize
		if err := s.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	s := byteSize(256 << 20)
	if s.String() != "256MiB" {
		t.Errorf("String() = %s", s.String())
	}
}

func TestReadCredentials(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "creds")
	if err := os.WriteFile(p, []byte("# cssfs\nkey = abc\nsecret: s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, secret, err := readCredentials(p, "", "")
	if err != nil || key != "abc" || secret != "s3cr3t" {
		t.Fatalf("got %q %q %v", key, secret, err)
	}
	os.Chmod(p, 0o644)
	if _, _, err := readCredentials(p, "", ""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a group/world-readable file was accepted: %v", err)
	} else if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error shows the secret: %v", err)
	}
	os.WriteFile(p, []byte("key=abc\n"), 0o600)
	if _, _, err := readCredentials(p, "", ""); err == nil {
		t.Error("a file without a secret was accepted")
	}
}

func TestUsageErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"mount"}, &out, &errOut); code != 2 {
		t.Errorf("mount without a mountpoint: exit %d, want 2", code)
	}
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code := run([]string{"mount", "--layout", "nonsense", "--demo", t.TempDir()}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "unknown level") {
		t.Errorf("bad layout: exit %d, %s", code, errOut.String())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"mount", "--no-such-flag", t.TempDir()}, "unknown flag: --no-such-flag"},
		{[]string{"mount", "--name-format", "{tag:direction", "--demo", t.TempDir()}, "is never closed"},
		{[]string{"ls", "--name-format", "callrecording={nope}", "--demo", "/"}, "unknown field {nope}"},
		{[]string{"get", "--timezone", "Mars/Olympus", "--demo", "/x", t.TempDir()}, "--timezone \"Mars/Olympus\""},
		{[]string{"csi", "--endpoint", "unix:///tmp/x.sock"}, "--node-id is required"},
		{[]string{"csi", "--mode", "both", "--node-id", "n"}, "--mode \"both\""},
		{[]string{"csi", "--node-id", "n", "extra"}, "csi takes no arguments"},
	} {
		errOut.Reset()
		if code := run(tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%q: exit %d, %q; want 2 and a message saying %q", tc.args, code, errOut.String(), tc.want)
		}
	}
	out.Reset()
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "cssfs ") {
		t.Errorf("version: exit %d, %q", code, out.String())
	}
}
