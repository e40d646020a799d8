package csi

import (
	"context"
	"strings"
	"testing"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func capability(mode csi.VolumeCapability_AccessMode_Mode) *csi.VolumeCapability {
	return &csi.VolumeCapability{AccessMode: &csi.VolumeCapability_AccessMode{Mode: mode},
		AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}}}
}

func wantCode(t *testing.T, what string, err error, code codes.Code, mention string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), mention) {
		t.Errorf("%s: %v, want %s mentioning %q", what, err, code, mention)
	}
}

func TestCreateVolume(t *testing.T) {
	d, err := New(Options{Mode: ModeController})
	if err != nil {
		t.Fatal(err)
	}
	c := newControllerServer(d)
	ctx := context.Background()
	reader := []*csi.VolumeCapability{capability(csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY)}
	params := map[string]string{"region": "uk", "layout": "date"}
	req := &csi.CreateVolumeRequest{Name: "pv-1", Parameters: params, VolumeCapabilities: reader,
		Secrets: map[string]string{"key": "k", "secret": "s"}}
	v1, err := c.CreateVolume(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := c.CreateVolume(ctx, req)
	if err != nil || v2.GetVolume().GetVolumeId() != v1.GetVolume().GetVolumeId() {
		t.Errorf("the same CreateVolume twice: %v, ids %q and %q; want the same id", err, v1.GetVolume().GetVolumeId(), v2.GetVolume().GetVolumeId())
	}
	if got := v1.GetVolume().GetVolumeContext(); len(got) != 2 || got["region"] != "uk" || got["layout"] != "date" {
		t.Errorf("volume context %v, want the parameters %v", got, params)
	}
	if !volumeIDPattern.MatchString(v1.GetVolume().GetVolumeId()) {
		t.Errorf("volume id %q has not the form %s", v1.GetVolume().GetVolumeId(), volumeIDPattern)
	}
	_, err = c.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pv-1", Parameters: map[string]string{"region": "us-east"}, VolumeCapabilities: reader})
	wantCode(t, "the same name with other parameters", err, codes.AlreadyExists, "pv-1")
	_, err = c.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pv-2", Parameters: map[string]string{"bucket": "x"}, VolumeCapabilities: reader})
	wantCode(t, "an unknown key", err, codes.InvalidArgument, `"bucket"`)
	for _, mode := range []csi.VolumeCapability_AccessMode_Mode{csi.VolumeCapability_AccessMode_MULTI_NODE_MULTI_WRITER,
		csi.VolumeCapability_AccessMode_MULTI_NODE_SINGLE_WRITER, csi.VolumeCapability_AccessMode_SINGLE_NODE_MULTI_WRITER} {
		_, err = c.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pv-3", VolumeCapabilities: []*csi.VolumeCapability{capability(mode)}})
		wantCode(t, mode.String(), err, codes.InvalidArgument, "read-only")
	}
	block := &csi.VolumeCapability{AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY},
		AccessType: &csi.VolumeCapability_Block{Block: &csi.VolumeCapability_BlockVolume{}}}
	_, err = c.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pv-4", VolumeCapabilities: []*csi.VolumeCapability{block}})
	wantCode(t, "block access", err, codes.InvalidArgument, "block")

	// Deleting forgets the name: it may come back with other parameters.
	if _, err := c.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: v1.GetVolume().GetVolumeId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pv-1", Parameters: map[string]string{"region": "us-east"}, VolumeCapabilities: reader}); err != nil {
		t.Errorf("CreateVolume after DeleteVolume: %v", err)
	}
}

func TestValidateVolumeCapabilities(t *testing.T) {
	d, err := New(Options{Mode: ModeController})
	if err != nil {
		t.Fatal(err)
	}
	c := newControllerServer(d)
	ctx := context.Background()
	id := volumeID("pv", nil)
	ask := func(mode csi.VolumeCapability_AccessMode_Mode) *csi.ValidateVolumeCapabilitiesResponse {
		r, err := c.ValidateVolumeCapabilities(ctx, &csi.ValidateVolumeCapabilitiesRequest{VolumeId: id, VolumeCapabilities: []*csi.VolumeCapability{capability(mode)}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := ask(csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY); r.GetConfirmed() == nil {
		t.Errorf("MULTI_NODE_READER_ONLY not confirmed: %s", r.GetMessage())
	}
	if r := ask(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER); r.GetConfirmed() != nil || r.GetMessage() == "" {
		t.Errorf("SINGLE_NODE_WRITER confirmed (%v, %q); a volume is read-only", r.GetConfirmed(), r.GetMessage())
	}
	_, err = c.ValidateVolumeCapabilities(ctx, &csi.ValidateVolumeCapabilitiesRequest{VolumeId: "pvc-123",
		VolumeCapabilities: []*csi.VolumeCapability{capability(csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY)}})
	wantCode(t, "an id this driver never made", err, codes.NotFound, "pvc-123")
}
