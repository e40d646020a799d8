package main

import (
	"io"
	"slices"
	"testing"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/csi"
)

// The volume parameters of the CSI driver are the mount command's flags:
// every flag is either a parameter, of the same kind, or excluded for a
// reason, so that a new mount flag cannot be forgotten.
func TestCSIParametersFollowMountFlags(t *testing.T) {
	fs, _ := newMountFlags(io.Discard)
	allowed := map[string]csi.MountFlag{}
	for _, f := range csi.MountFlags() {
		allowed[f.Flag] = f
	}
	fs.VisitAll(func(f *pflag.Flag) {
		p, ok := allowed[f.Name]
		_, excluded := csi.ExcludedMountFlags[f.Name]
		switch {
		case ok && excluded:
			t.Errorf("--%s is both a volume parameter and excluded", f.Name)
		case !ok && !excluded:
			t.Errorf("mount flag --%s is neither a volume parameter (csi.mountFlags) nor in csi.ExcludedMountFlags", f.Name)
		case ok && p.IsBool() != (f.Value.Type() == "bool"):
			t.Errorf("--%s: parameter boolean %v, flag type %s", f.Name, p.IsBool(), f.Value.Type())
		case ok && p.IsList() != (f.Value.Type() == "stringArray"):
			t.Errorf("--%s: parameter list %v, flag type %s", f.Name, p.IsList(), f.Value.Type())
		}
	})
	for name := range allowed {
		if fs.Lookup(name) == nil {
			t.Errorf("volume parameter %s names --%s, which cssfs mount no longer has", csi.ParameterKey(name), name)
		}
	}
	for name := range csi.ExcludedMountFlags {
		if fs.Lookup(name) == nil {
			t.Errorf("csi.ExcludedMountFlags names --%s, which cssfs mount no longer has", name)
		}
	}
	for _, key := range []string{"apiURL", "region", "layout", "cacheSize", "fileMode", "dirMode"} {
		if !slices.Contains(csi.AllowedKeys(), key) {
			t.Errorf("volume parameter %s is missing", key)
		}
	}
}

// A value the mount command would refuse fails the volume, naming it.
func TestCSICheckMountArgs(t *testing.T) {
	if err := checkMountArgs(csi.MountArgs(map[string]string{"cacheSize": "64M", "fileMode": "0440", "region": "uk,us-east"})); err != nil {
		t.Errorf("good parameters refused: %v", err)
	}
	for key, value := range map[string]string{"cacheSize": "lots", "fileMode": "0999", "timezone": "Mars/Olympus", "opTimeout": "soon"} {
		if err := checkMountArgs(csi.MountArgs(map[string]string{key: value})); err == nil {
			t.Errorf("%s=%q accepted", key, value)
		}
	}
}
