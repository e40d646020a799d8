package csi

import "testing"

func TestSocketPath(t *testing.T) {
	for in, want := range map[string]string{
		"unix:///csi/csi.sock": "/csi/csi.sock",
		"/tmp/x.sock":          "/tmp/x.sock",
		"unix://rel/x.sock":    "rel/x.sock",
	} {
		if got, err := socketPath(in); err != nil || got != want {
			t.Errorf("socketPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "tcp://127.0.0.1:10000", "unix://"} {
		if got, err := socketPath(bad); err == nil {
			t.Errorf("socketPath(%q) = %q, want an error", bad, got)
		}
	}
}

func TestNodeNeedsAnID(t *testing.T) {
	if _, err := New(Options{Mode: ModeNode}); err == nil {
		t.Error("a node service without a node id was accepted")
	}
	if _, err := ParseMode("everything"); err == nil {
		t.Error(`mode "everything" was accepted`)
	}
}
