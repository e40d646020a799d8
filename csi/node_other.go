//go:build !linux

package csi

import (
	"context"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The node service mounts with Linux's FUSE; elsewhere it only answers
// what it can (the controller runs anywhere).
type nodeServer struct {
	csi.UnimplementedNodeServer
	d *Driver
}

func newNodeServer(d *Driver) (*nodeServer, error) { return &nodeServer{d: d}, nil }

func (s *nodeServer) cleanStaleMounts(string) {}

func (s *nodeServer) stopAll() {}

func (s *nodeServer) NodePublishVolume(_ context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	if _, err := s.d.checkPublish(req); err != nil {
		return nil, err
	}
	return nil, status.Error(codes.Unimplemented, "NodePublishVolume: the node service needs Linux")
}

func (s *nodeServer) NodeUnpublishVolume(context.Context, *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	return nil, status.Error(codes.Unimplemented, "NodeUnpublishVolume: the node service needs Linux")
}
