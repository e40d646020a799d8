package csi

import "testing"

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/var/lib/kubelet/pods/a/volumes/kubernetes.io~csi/pv/mount`: "/var/lib/kubelet/pods/a/volumes/kubernetes.io~csi/pv/mount",
		`/mnt/with\040space\011tab`:                                  "/mnt/with space\ttab",
		`/mnt/back\134slash`:                                         `/mnt/back\slash`,
		`/mnt/not\08`:                                                `/mnt/not\08`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}
