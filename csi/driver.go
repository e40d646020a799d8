// Package csi serves cssfs as a Container Storage Interface driver: a
// volume is a read-only view of a tenant, mounted on a node by a
// supervised "cssfs mount" process per volume.
package csi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DriverName is the name of the driver in Kubernetes (CSIDriver, the
// provisioner of a StorageClass, the driver of a PV).
const DriverName = "csi.cssfs.dev"

// Mode says which services a driver process serves.
type Mode string

const (
	ModeNode       Mode = "node"       // Identity and Node: the DaemonSet on every node
	ModeController Mode = "controller" // Identity and Controller: dynamic provisioning
	ModeAll        Mode = "all"        // all three (one process, as csi-sanity wants)
)

// ParseMode reads a --mode value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeNode, ModeController, ModeAll:
		return m, nil
	}
	return "", fmt.Errorf("mode %q: want node, controller or all", s)
}

func (m Mode) node() bool       { return m == ModeNode || m == ModeAll }
func (m Mode) controller() bool { return m == ModeController || m == ModeAll }

// Options configure a driver.
type Options struct {
	Mode       Mode
	NodeID     string // required for the node service
	KubeletDir string // where kubelet mounts volumes; stale mounts under it are cleaned on start
	Version    string
	// Command runs "cssfs mount": the program and the arguments before
	// the mount's own (default: this executable and "mount").
	Command []string
	// MountDefaults come before a volume's own flags, which win (the
	// driver's log level and format, so that the logs read alike).
	MountDefaults []string
	// CheckMountArgs parses "cssfs mount" flags as the mount process
	// will, so that a bad value fails CreateVolume and NodePublishVolume
	// with InvalidArgument rather than a failed mount (optional).
	CheckMountArgs func(args []string) error
	// ChildLog receives the standard error of the mount processes
	// (default os.Stderr); it never holds credentials.
	ChildLog io.Writer
	Logger   *slog.Logger
}

// Driver serves the CSI services.
type Driver struct {
	opts Options
	log  *slog.Logger
	node *nodeServer
}

// New checks the options and makes a driver. For the node service it also
// unmounts the dead cssfs mounts a previous driver left under the
// kubelet directory.
func New(opts Options) (*Driver, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Mode == "" {
		opts.Mode = ModeAll
	}
	if opts.ChildLog == nil {
		opts.ChildLog = os.Stderr
	}
	d := &Driver{opts: opts, log: opts.Logger}
	if opts.Mode.node() {
		if opts.NodeID == "" {
			return nil, errors.New("the node service needs a node id (--node-id)")
		}
		if len(opts.Command) == 0 {
			exe, err := os.Executable()
			if err != nil {
				return nil, fmt.Errorf("finding the cssfs executable: %w", err)
			}
			d.opts.Command = []string{exe, "mount"}
		}
		n, err := newNodeServer(d)
		if err != nil {
			return nil, err
		}
		d.node = n
		if opts.KubeletDir != "" {
			d.node.cleanStaleMounts(opts.KubeletDir)
		}
	}
	return d, nil
}

// Listen opens a CSI endpoint: unix:///path/to/csi.sock (or a bare path).
// A socket file left by an earlier driver is removed first.
func Listen(endpoint string) (net.Listener, error) {
	path, err := socketPath(endpoint)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("endpoint %s: %w", endpoint, err)
	}
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSocket != 0 {
		os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: %w", endpoint, err)
	}
	return ln, nil
}

func socketPath(endpoint string) (string, error) {
	if !strings.Contains(endpoint, "://") {
		if endpoint == "" {
			return "", errors.New("empty endpoint")
		}
		return endpoint, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "unix" {
		return "", fmt.Errorf("endpoint %q: only unix:// sockets are served", endpoint)
	}
	p := u.Path
	if u.Host != "" { // unix://relative/path
		p = u.Host + p
	}
	if p == "" {
		return "", fmt.Errorf("endpoint %q: no socket path", endpoint)
	}
	return p, nil
}

// Serve answers CSI calls on ln until ctx is done, then stops the mount
// processes (each unmounts) and returns.
func (d *Driver) Serve(ctx context.Context, ln net.Listener) error {
	srv := grpc.NewServer(grpc.UnaryInterceptor(d.logCalls))
	csi.RegisterIdentityServer(srv, &identityServer{d: d})
	if d.opts.Mode.controller() {
		csi.RegisterControllerServer(srv, newControllerServer(d))
	}
	if d.node != nil {
		csi.RegisterNodeServer(srv, d.node)
	}
	d.log.Info("serving CSI", "driver", DriverName, "mode", d.opts.Mode, "node", d.opts.NodeID, "endpoint", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
		srv.GracefulStop()
	case err = <-errc:
	}
	if d.node != nil {
		d.node.stopAll()
	}
	return err
}

// logCalls logs each call's method, volume and outcome, never the request
// itself (it may hold secrets).
func (d *Driver) logCalls(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
	attrs := []any{"method", method}
	if v, ok := req.(interface{ GetVolumeId() string }); ok && v.GetVolumeId() != "" {
		attrs = append(attrs, "volume", v.GetVolumeId())
	}
	if v, ok := req.(interface{ GetTargetPath() string }); ok && v.GetTargetPath() != "" {
		attrs = append(attrs, "target", v.GetTargetPath())
	}
	switch {
	case err != nil:
		d.log.Warn("CSI call failed", append(attrs, "code", status.Code(err).String(), "err", status.Convert(err).Message())...)
	case strings.HasPrefix(method, "Probe"), strings.HasPrefix(method, "Get"), strings.HasSuffix(method, "GetCapabilities"), strings.HasSuffix(method, "GetInfo"):
		d.log.Debug("CSI call", attrs...)
	default:
		d.log.Info("CSI call", attrs...)
	}
	return resp, err
}

// invalid is an InvalidArgument error.
func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

// checkParameters checks a volume's parameters: the keys, then the
// values as the mount command would parse them.
func (d *Driver) checkParameters(params map[string]string) error {
	if err := ValidateParameters(params); err != nil {
		return err
	}
	if d.opts.CheckMountArgs != nil {
		if err := d.opts.CheckMountArgs(MountArgs(params)); err != nil {
			return err
		}
	}
	return nil
}
