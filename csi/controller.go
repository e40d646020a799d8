package csi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"regexp"
	"slices"
	"sync"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The controller keeps nothing: a volume id is derived from the volume's
// name and parameters, its context is the parameters, and deleting it
// forgets it (nothing exists in the service to delete). It remembers
// the names it created only to refuse the same name with other
// parameters, as the spec asks; after a restart it no longer can.
type controllerServer struct {
	csi.UnimplementedControllerServer
	d *Driver

	mu      sync.Mutex
	created map[string]string // volume name → volume id
}

func newControllerServer(d *Driver) *controllerServer {
	return &controllerServer{d: d, created: map[string]string{}}
}

// volumeIDPattern is the form of the ids CreateVolume makes.
var volumeIDPattern = regexp.MustCompile(`^cssfs-[0-9a-f]{40}$`)

// volumeID derives a volume's id from its name and parameters.
func volumeID(name string, params map[string]string) string {
	h := sha256.New()
	h.Write([]byte(name))
	for _, k := range slices.Sorted(maps.Keys(params)) {
		h.Write([]byte{0})
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(params[k]))
	}
	return "cssfs-" + hex.EncodeToString(h.Sum(nil))[:40]
}

func (s *controllerServer) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: []*csi.ControllerServiceCapability{{
		Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{
			Type: csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME}},
	}}}, nil
}

// CreateVolume checks the parameters and makes a volume of them. The
// secrets of CreateVolume are accepted and ignored: nothing is created in
// the service, and the credentials are the node's business.
func (s *controllerServer) CreateVolume(_ context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	if req.GetName() == "" {
		return nil, invalid("CreateVolume: missing name")
	}
	if err := checkCapabilities(req.GetVolumeCapabilities()); err != nil {
		return nil, invalid("CreateVolume: %v", err)
	}
	if req.GetVolumeContentSource() != nil {
		return nil, invalid("CreateVolume: a volume is a view of a tenant; it cannot be made from a snapshot or another volume")
	}
	params := req.GetParameters()
	if err := s.d.checkParameters(params); err != nil {
		return nil, invalid("CreateVolume: %v", err)
	}
	id := volumeID(req.GetName(), params)
	s.mu.Lock()
	prev, ok := s.created[req.GetName()]
	if !ok {
		s.created[req.GetName()] = id
	}
	s.mu.Unlock()
	if ok && prev != id {
		return nil, status.Errorf(codes.AlreadyExists, "CreateVolume: volume %q exists with other parameters", req.GetName())
	}
	// The view has no size: capacity 0 says "unknown", as the spec allows.
	return &csi.CreateVolumeResponse{Volume: &csi.Volume{VolumeId: id, VolumeContext: maps.Clone(params)}}, nil
}

// DeleteVolume forgets the volume: nothing is deleted in the service.
func (s *controllerServer) DeleteVolume(_ context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, invalid("DeleteVolume: missing volume id")
	}
	s.mu.Lock()
	for name, id := range s.created {
		if id == req.GetVolumeId() {
			delete(s.created, name)
		}
	}
	s.mu.Unlock()
	return &csi.DeleteVolumeResponse{}, nil
}

// ValidateVolumeCapabilities confirms reader modes only: that is what a
// volume is. A volume "exists" when its id has the form CreateVolume gives
// (the controller keeps no list to look it up in).
func (s *controllerServer) ValidateVolumeCapabilities(_ context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, invalid("ValidateVolumeCapabilities: missing volume id")
	}
	if len(req.GetVolumeCapabilities()) == 0 {
		return nil, invalid("ValidateVolumeCapabilities: missing volume capabilities")
	}
	if !volumeIDPattern.MatchString(req.GetVolumeId()) {
		return nil, status.Errorf(codes.NotFound, "ValidateVolumeCapabilities: %q is not a volume of this driver", req.GetVolumeId())
	}
	if err := s.d.checkParameters(req.GetParameters()); err != nil {
		return &csi.ValidateVolumeCapabilitiesResponse{Message: err.Error()}, nil
	}
	for _, c := range req.GetVolumeCapabilities() {
		if err := checkCapability(c); err != nil {
			return &csi.ValidateVolumeCapabilitiesResponse{Message: err.Error()}, nil
		}
		if !readerModes[c.GetAccessMode().GetMode()] {
			return &csi.ValidateVolumeCapabilitiesResponse{Message: "volumes are read-only: " + c.GetAccessMode().GetMode().String() + " is served read-only"}, nil
		}
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeContext:      req.GetVolumeContext(),
		VolumeCapabilities: req.GetVolumeCapabilities(),
		Parameters:         req.GetParameters(),
	}}, nil
}
