package csi

import (
	"fmt"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

// A view of a tenant is read-only. Reader modes are what it is for
// (ReadOnlyMany, and its single-node form). SINGLE_NODE_WRITER, which
// Kubernetes asks for by default (ReadWriteOnce) and csi-sanity uses
// throughout, is accepted for a volume and mounted read-only all the
// same: writes fail with EROFS. The other writer modes are refused.
var (
	readerModes = map[csi.VolumeCapability_AccessMode_Mode]bool{
		csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY:  true,
		csi.VolumeCapability_AccessMode_SINGLE_NODE_READER_ONLY: true,
	}
	tolerated = map[csi.VolumeCapability_AccessMode_Mode]bool{
		csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER: true,
	}
)

// checkCapability says why a capability cannot be served, or nil.
func checkCapability(c *csi.VolumeCapability) error {
	if c == nil {
		return fmt.Errorf("missing volume capability")
	}
	if c.GetBlock() != nil {
		return fmt.Errorf("block access is not supported: a volume is a filesystem")
	}
	if c.GetMount() == nil {
		return fmt.Errorf("volume capability needs access type mount")
	}
	if fs := c.GetMount().GetFsType(); fs != "" && fs != "fuse.cssfs" && fs != "cssfs" {
		return fmt.Errorf("fs type %q: a volume is a cssfs view (leave fsType empty)", fs)
	}
	mode := c.GetAccessMode().GetMode()
	if !readerModes[mode] && !tolerated[mode] {
		return fmt.Errorf("access mode %s: volumes are read-only (use MULTI_NODE_READER_ONLY, i.e. ReadOnlyMany)", mode)
	}
	return nil
}

// checkCapabilities checks every capability of a request.
func checkCapabilities(caps []*csi.VolumeCapability) error {
	if len(caps) == 0 {
		return fmt.Errorf("missing volume capabilities")
	}
	for _, c := range caps {
		if err := checkCapability(c); err != nil {
			return err
		}
	}
	return nil
}
