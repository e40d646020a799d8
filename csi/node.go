package csi

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

func (s *nodeServer) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	// VOLUME_MOUNT_GROUP: kubelet passes a pod's fsGroup as the mount's
	// group (--gid) instead of changing the owner of every file.
	// GET_VOLUME_STATS and VOLUME_CONDITION: kubelet learns that a
	// volume's mount process has died (an event on the pod).
	var caps []*csi.NodeServiceCapability
	for _, c := range []csi.NodeServiceCapability_RPC_Type{csi.NodeServiceCapability_RPC_VOLUME_MOUNT_GROUP,
		csi.NodeServiceCapability_RPC_GET_VOLUME_STATS, csi.NodeServiceCapability_RPC_VOLUME_CONDITION} {
		caps = append(caps, &csi.NodeServiceCapability{Type: &csi.NodeServiceCapability_Rpc{Rpc: &csi.NodeServiceCapability_RPC{Type: c}}})
	}
	return &csi.NodeGetCapabilitiesResponse{Capabilities: caps}, nil
}

func (s *nodeServer) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: s.d.opts.NodeID}, nil
}

// publishing is what NodePublishVolume asks for, checked.
type publishing struct {
	volumeID, target string
	args             []string // "cssfs mount" flags, without credentials or the target
	readonly         bool
	key, secret      string
}

// checkPublish validates a NodePublishVolume request and works out the
// mount's flags: the volume context, then the mount options of the
// capability, then the pod's fsGroup (as --gid).
func (d *Driver) checkPublish(req *csi.NodePublishVolumeRequest) (*publishing, error) {
	if req.GetVolumeId() == "" {
		return nil, invalid("NodePublishVolume: missing volume id")
	}
	if req.GetTargetPath() == "" {
		return nil, invalid("NodePublishVolume: missing target path")
	}
	if err := checkCapability(req.GetVolumeCapability()); err != nil {
		return nil, invalid("NodePublishVolume: %v", err)
	}
	params := maps.Clone(req.GetVolumeContext())
	if params == nil {
		params = map[string]string{}
	}
	if err := ValidateParameters(params); err != nil {
		return nil, invalid("NodePublishVolume: %v", err)
	}
	p := &publishing{volumeID: req.GetVolumeId(), target: req.GetTargetPath(), readonly: req.GetReadonly()}
	mnt := req.GetVolumeCapability().GetMount()
	for _, opts := range mnt.GetMountFlags() {
		for _, o := range strings.Split(opts, ",") {
			ro, err := applyMountOption(params, strings.TrimSpace(o))
			if err != nil {
				return nil, invalid("NodePublishVolume: %v", err)
			}
			p.readonly = p.readonly || ro
		}
	}
	if g := mnt.GetVolumeMountGroup(); g != "" {
		if _, err := strconv.ParseUint(g, 10, 32); err != nil {
			return nil, invalid("NodePublishVolume: volume mount group %q is not a numeric group id", g)
		}
		params["gid"] = g
	}
	if err := d.checkParameters(params); err != nil {
		return nil, invalid("NodePublishVolume: %v", err)
	}
	p.args = MountArgs(params)
	p.key, p.secret = req.GetSecrets()["key"], req.GetSecrets()["secret"]
	if p.key == "" || p.secret == "" {
		return nil, invalid("NodePublishVolume: the secret (nodePublishSecretRef) must hold key and secret")
	}
	return p, nil
}

// genericOptions are mount(8) options that mean nothing to a cssfs view.
var genericOptions = map[string]bool{
	"rw": true, "defaults": true, "noatime": true, "relatime": true, "nodiratime": true,
	"nosuid": true, "nodev": true, "noexec": true, "_netdev": true,
}

// applyMountOption adds one mount option (a PV's or StorageClass's
// mountOptions: "ro", "gid=1000", "file-mode=0440", "fileMode=0440") to
// params; it reports whether the option asks for read-only.
func applyMountOption(params map[string]string, o string) (readonly bool, err error) {
	if o == "ro" {
		return true, nil
	}
	if o == "" || genericOptions[o] {
		return false, nil
	}
	name, value, hasValue := strings.Cut(o, "=")
	key := name
	if _, ok := byKey[key]; !ok {
		key = ParameterKey(strings.ReplaceAll(name, "_", "-"))
	}
	f, ok := byKey[key]
	if !ok || kubernetesKey(name) {
		return false, fmt.Errorf("mount option %q is not supported; allowed: ro and %s", name, strings.Join(AllowedKeys(), ", "))
	}
	switch {
	case !hasValue && f.IsBool():
		value = "true"
	case !hasValue:
		return false, fmt.Errorf("mount option %q needs a value (%s=VALUE)", name, name)
	}
	params[key] = value
	return false, nil
}
