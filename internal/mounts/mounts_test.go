//go:build !windows

package mounts

import "testing"

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/var/lib/kubelet/pods/a/volumes/kubernetes.io~csi/pv/mount`: "/var/lib/kubelet/pods/a/volumes/kubernetes.io~csi/pv/mount",
		`/mnt/with\040space\011tab`:                                  "/mnt/with space\ttab",
		`/mnt/back\134slash`:                                         `/mnt/back\slash`,
		`/mnt/not\08`:                                                `/mnt/not\08`,
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTypeAt(t *testing.T) {
	if _, err := List(); err != nil {
		t.Skipf("no mount table here: %v", err)
	}
	if typ, err := TypeAt("/proc"); err != nil || typ != "proc" {
		t.Errorf("TypeAt(/proc) = %q, %v; want proc", typ, err)
	}
	if typ, err := TypeAt(t.TempDir()); err != nil || typ != "" {
		t.Errorf("TypeAt(a plain directory) = %q, %v; want none", typ, err)
	}
}
