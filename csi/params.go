package csi

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A volume's parameters (StorageClass parameters, or a static PV's
// volumeAttributes) are "cssfs mount" flags under camelCase names:
// --api-url is apiURL, --cache-size is cacheSize.

// listKind says how a parameter's value maps to a flag.
type listKind int

const (
	single   listKind = iota // --flag=VALUE
	boolean                  // --flag=true|false
	commaSep                 // --flag=A --flag=B from "A,B"
	lineSep                  // --flag=A --flag=B from "A\nB" (values that may hold commas)
)

// MountFlag is one "cssfs mount" flag that a volume may set.
type MountFlag struct {
	Flag string   // the flag's name, without dashes
	kind listKind // how its value is written
}

// Key is the flag's parameter name.
func (f MountFlag) Key() string { return ParameterKey(f.Flag) }

// IsList says whether the parameter's value holds several flag values.
func (f MountFlag) IsList() bool { return f.kind == commaSep || f.kind == lineSep }

// IsBool says whether the flag is a boolean.
func (f MountFlag) IsBool() bool { return f.kind == boolean }

// mountFlags are the flags of "cssfs mount" a volume may set. A test in
// cmd/cssfs checks this list against the mount command's FlagSet: every
// flag there is here or in ExcludedMountFlags, with the same kind.
var mountFlags = []MountFlag{
	{"api-url", single},
	{"region", commaSep},
	{"layout", single},
	{"name-format", lineSep},
	{"timezone", single},
	{"show-archived", boolean},
	{"sidecars", boolean},
	{"cache-size", single},
	{"block-size", single},
	{"max-rps", single},
	{"op-timeout", single},
	{"log-level", single},
	{"log-format", single},
	{"dir-cache-ttl", single},
	{"attr-ttl", single},
	{"file-mode", single},
	{"dir-mode", single},
	{"no-xattrs", boolean},
	{"uid", single},
	{"gid", single},
	{"debug-fuse", boolean},
}

// ExcludedMountFlags are the mount flags a volume may not set, and why.
var ExcludedMountFlags = map[string]string{
	"key":              "credentials come from the secret of NodePublishVolume only",
	"secret":           "credentials come from the secret of NodePublishVolume only",
	"credentials-file": "credentials come from the secret of NodePublishVolume only",
	"demo":             "a volume is a view of a real tenant",
	"daemon":           "the driver supervises the mount process itself",
	"allow-delete":     "volumes are read-only",
	"allow-other":      "the driver always lets every user of the pod read",
	"allow-root":       "the driver always lets every user of the pod read",
	"log-file":         "would write a file on the node; the log goes to the driver's",
	"audit-log":        "would write a file on the node",
	"cpu-profile":      "would write a file on the node",
	"metrics-addr":     "one port per volume on the node's network would collide",
	"foreground":       "a no-op: the mount process runs in the foreground",
	"read-only":        "a no-op: the volume is always read-only (readonly comes from the request)",
}

// MountFlags lists the flags a volume may set.
func MountFlags() []MountFlag { return append([]MountFlag(nil), mountFlags...) }

// initialisms are written in capitals in parameter keys (apiURL, maxRPS).
var initialisms = map[string]bool{"url": true, "rps": true, "ttl": true, "fuse": true}

// ParameterKey is the camelCase parameter name of a mount flag:
// api-url → apiURL, cache-size → cacheSize.
func ParameterKey(flag string) string {
	parts := strings.Split(flag, "-")
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i == 0:
			b.WriteString(p)
		case initialisms[p]:
			b.WriteString(strings.ToUpper(p))
		case p != "":
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}

// byKey finds the mount flag of a parameter key.
var byKey = func() map[string]MountFlag {
	m := map[string]MountFlag{}
	for _, f := range mountFlags {
		m[f.Key()] = f
	}
	return m
}()

// kubernetesKey says whether a key is one Kubernetes adds by itself: the
// provisioner's csi.storage.k8s.io/pvc/name…, kubelet's pod info
// (podInfoOnMount) and the provisioner's identity in a PV's attributes.
func kubernetesKey(k string) bool {
	return strings.HasPrefix(k, "csi.storage.k8s.io/") || strings.HasPrefix(k, "storage.kubernetes.io/")
}

// ParameterError names the parameter that is wrong.
type ParameterError struct {
	Key, Reason string
}

func (e *ParameterError) Error() string {
	return fmt.Sprintf("volume parameter %q: %s", e.Key, e.Reason)
}

// ValidateParameters checks the keys of a volume's parameters (and the
// values it can judge without the mount command: booleans, lists): an
// unknown key is an error that names it. Keys Kubernetes adds itself
// (csi.storage.k8s.io/…, storage.kubernetes.io/…) are allowed.
func ValidateParameters(params map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(params)) {
		if kubernetesKey(k) {
			continue
		}
		f, ok := byKey[k]
		if !ok {
			return &ParameterError{k, "unknown key; allowed: " + strings.Join(AllowedKeys(), ", ")}
		}
		v := params[k]
		switch {
		case f.IsBool():
			if _, err := strconv.ParseBool(v); err != nil {
				return &ParameterError{k, fmt.Sprintf("%q is not true or false", v)}
			}
		case f.IsList():
			if len(splitList(f, v)) == 0 {
				return &ParameterError{k, "empty list"}
			}
		}
	}
	return nil
}

// AllowedKeys lists the parameter keys a volume may set, sorted.
func AllowedKeys() []string {
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MountArgs turns validated parameters into "cssfs mount" flags, in the
// order of the keys. Each value is one argument (--flag=VALUE), so no
// value can become another flag.
func MountArgs(params map[string]string) []string {
	var args []string
	for _, k := range slices.Sorted(maps.Keys(params)) {
		f, ok := byKey[k]
		if !ok {
			continue // Kubernetes' own keys
		}
		if f.IsList() {
			for _, v := range splitList(f, params[k]) {
				args = append(args, "--"+f.Flag+"="+v)
			}
			continue
		}
		args = append(args, "--"+f.Flag+"="+strings.TrimSpace(params[k]))
	}
	return args
}

func splitList(f MountFlag, v string) []string {
	sep := ","
	if f.kind == lineSep {
		sep = "\n"
	}
	var out []string
	for _, item := range strings.Split(v, sep) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
