package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/csi"
	"github.com/cssfs/cssfs/internal/clidoc"
)

const csiDescription = `Serves cssfs as a Kubernetes CSI driver (` + csi.DriverName + `): a volume is a read-only
view of a tenant, mounted on a node by a "cssfs mount" process per volume.
Volume parameters are mount flags in camelCase (apiURL, region, layout,
cacheSize, fileMode, …); the credentials come from the secret of the volume
(keys "key" and "secret").
Examples:
  cssfs csi --endpoint unix:///csi/csi.sock --node-id "$NODE_NAME"
  cssfs csi --mode controller --endpoint unix:///csi/csi.sock
`

// csiOptions are the settings of "cssfs csi".
type csiOptions struct {
	endpoint, nodeID, kubeletDir, mode, logLevel, logFormat string
}

// newCSIFlags is the flag set of "cssfs csi", and what it sets.
func newCSIFlags(stderr io.Writer) (*pflag.FlagSet, *csiOptions) {
	o := &csiOptions{}
	f := newFlagSet("csi", stderr)
	f.StringVar(&o.endpoint, "endpoint", "unix:///csi/csi.sock", "CSI endpoint (a unix socket) to serve")
	f.StringVar(&o.nodeID, "node-id", "", "this node's name (required unless --mode controller)")
	f.StringVar(&o.mode, "mode", string(csi.ModeAll), "services to serve: node, controller or all")
	f.StringVar(&o.kubeletDir, "kubelet-dir", "/var/lib/kubelet", "kubelet's directory: dead cssfs mounts under it are unmounted on start")
	f.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&o.logFormat, "log-format", "text", "text or json")
	clidoc.MarkChoices(f, "mode", string(csi.ModeNode), string(csi.ModeController), string(csi.ModeAll))
	clidoc.MarkDir(f, "kubelet-dir")
	clidoc.MarkChoices(f, "log-level", "debug", "info", "warn", "error")
	clidoc.MarkChoices(f, "log-format", "text", "json")
	return f, o
}

func runCSI(args []string, stdout, stderr io.Writer) error {
	f, o := newCSIFlags(stderr)
	if err := parseFlags(f, args, stdout); err != nil {
		return err
	}
	if f.NArg() != 0 {
		f.Usage()
		return usageError{fmt.Sprintf("csi takes no arguments (got %q)", f.Arg(0))}
	}
	m, err := csi.ParseMode(o.mode)
	if err != nil {
		return usageError{"--" + err.Error()}
	}
	if m != csi.ModeController && o.nodeID == "" {
		f.Usage()
		return usageError{"--node-id is required for the node service (--mode node or all)"}
	}
	log, err := newLogger(o.logLevel, o.logFormat, stderr)
	if err != nil {
		return err
	}
	d, err := csi.New(csi.Options{Mode: m, NodeID: o.nodeID, KubeletDir: o.kubeletDir, Version: version,
		MountDefaults:  []string{"--log-level=" + o.logLevel, "--log-format=" + o.logFormat},
		CheckMountArgs: checkMountArgs, ChildLog: stderr, Logger: log})
	if err != nil {
		return err
	}
	ln, err := csi.Listen(o.endpoint)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return d.Serve(ctx, ln)
}
