package csi

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParameterKey(t *testing.T) {
	for flag, want := range map[string]string{
		"api-url": "apiURL", "cache-size": "cacheSize", "file-mode": "fileMode", "dir-mode": "dirMode",
		"region": "region", "max-rps": "maxRPS", "dir-cache-ttl": "dirCacheTTL", "debug-fuse": "debugFUSE", "gid": "gid",
	} {
		if got := ParameterKey(flag); got != want {
			t.Errorf("ParameterKey(%q) = %q, want %q", flag, got, want)
		}
	}
}

func TestValidateParameters(t *testing.T) {
	good := map[string]string{
		"apiURL": "https://api.example", "region": "us-east, uk", "layout": "date", "cacheSize": "512M",
		"fileMode": "0440", "dirMode": "0550", "sidecars": "true",
		// added by Kubernetes itself
		"csi.storage.k8s.io/pvc/name": "x", "storage.kubernetes.io/csiProvisionerIdentity": "y",
	}
	if err := ValidateParameters(good); err != nil {
		t.Errorf("ValidateParameters(%v) = %v, want nil", good, err)
	}
	for _, tc := range []struct {
		params map[string]string
		key    string
	}{
		{map[string]string{"layout": "date", "bucket": "x"}, "bucket"},
		{map[string]string{"secret": "s"}, "secret"},              // credentials never from parameters
		{map[string]string{"allowDelete": "true"}, "allowDelete"}, // volumes are read-only
		{map[string]string{"api-url": "http://x"}, "api-url"},     // the flag's own spelling is not a key
		{map[string]string{"sidecars": "yes please"}, "sidecars"},
		{map[string]string{"region": " , "}, "region"},
	} {
		err := ValidateParameters(tc.params)
		var pe *ParameterError
		if !errors.As(err, &pe) || pe.Key != tc.key || !strings.Contains(err.Error(), `"`+tc.key+`"`) {
			t.Errorf("ValidateParameters(%v) = %v, want an error naming %q", tc.params, err, tc.key)
		}
	}
}

func TestMountArgs(t *testing.T) {
	got := MountArgs(map[string]string{
		"region": "us-east,uk", "layout": "date", "nameFormat": "{id}.{ext}\ncallrecording={created:2006-01-02,15h}",
		"timezone": "-x --demo", "csi.storage.k8s.io/pod.name": "p",
	})
	want := []string{"--layout=date", "--name-format={id}.{ext}", "--name-format=callrecording={created:2006-01-02,15h}",
		"--region=us-east", "--region=uk", "--timezone=-x --demo"}
	if !slices.Equal(got, want) {
		t.Errorf("MountArgs = %q\nwant        %q", got, want)
	}
}

func TestMountOptions(t *testing.T) {
	params := map[string]string{}
	for _, o := range []string{"gid=1000", "file_mode=0440", "dirMode=0550", "no-xattrs", "rw", "noatime"} {
		if ro, err := applyMountOption(params, o); err != nil || ro {
			t.Fatalf("applyMountOption(%q) = %v, %v", o, ro, err)
		}
	}
	want := map[string]string{"gid": "1000", "fileMode": "0440", "dirMode": "0550", "noXattrs": "true"}
	for k, v := range want {
		if params[k] != v {
			t.Errorf("after the options, %s = %q, want %q (all: %v)", k, params[k], v, params)
		}
	}
	if ro, err := applyMountOption(params, "ro"); err != nil || !ro {
		t.Errorf("applyMountOption(ro) = %v, %v; want read-only", ro, err)
	}
	for _, o := range []string{"allow_delete", "credentials-file=/etc/x", "cache-size", "bogus=1"} {
		if _, err := applyMountOption(params, o); err == nil {
			t.Errorf("applyMountOption(%q) accepted", o)
		}
	}
}
