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
)

const csiUsage = `Usage: cssfs csi [flags]

Serves cssfs as a Kubernetes CSI driver (` + csi.DriverName + `): a volume is a read-only
view of a tenant, mounted on a node by a "cssfs mount" process per volume.
Volume parameters are mount flags in camelCase (apiURL, region, layout,
cacheSize, fileMode, …); the credentials come from the secret of the volume
(keys "key" and "secret").
Examples:
  cssfs csi --endpoint unix:///csi/csi.sock --node-id "$NODE_NAME"
  cssfs csi --mode controller --endpoint unix:///csi/csi.sock
`

func runCSI(args []string, stdout, stderr io.Writer) error {
	var endpoint, nodeID, kubeletDir, mode, logLevel, logFormat string
	f := pflag.NewFlagSet("cssfs csi", pflag.ContinueOnError)
	f.SetOutput(stderr)
	f.SortFlags = false
	f.StringVar(&endpoint, "endpoint", "unix:///csi/csi.sock", "CSI endpoint (a unix socket) to serve")
	f.StringVar(&nodeID, "node-id", "", "this node's name (required unless --mode controller)")
	f.StringVar(&mode, "mode", string(csi.ModeAll), "services to serve: node, controller or all")
	f.StringVar(&kubeletDir, "kubelet-dir", "/var/lib/kubelet", "kubelet's directory: dead cssfs mounts under it are unmounted on start")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&logFormat, "log-format", "text", "text or json")
	f.Usage = func() { fmt.Fprintf(f.Output(), "%s\nFlags:\n%s", csiUsage, f.FlagUsages()) }
	if err := parseFlags(f, args, stdout); err != nil {
		return err
	}
	if f.NArg() != 0 {
		f.Usage()
		return usageError{fmt.Sprintf("csi takes no arguments (got %q)", f.Arg(0))}
	}
	m, err := csi.ParseMode(mode)
	if err != nil {
		return usageError{"--" + err.Error()}
	}
	if m != csi.ModeController && nodeID == "" {
		f.Usage()
		return usageError{"--node-id is required for the node service (--mode node or all)"}
	}
	log, err := newLogger(logLevel, logFormat, stderr)
	if err != nil {
		return err
	}
	d, err := csi.New(csi.Options{Mode: m, NodeID: nodeID, KubeletDir: kubeletDir, Version: version,
		MountDefaults:  []string{"--log-level=" + logLevel, "--log-format=" + logFormat},
		CheckMountArgs: checkMountArgs, ChildLog: stderr, Logger: log})
	if err != nil {
		return err
	}
	ln, err := csi.Listen(endpoint)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return d.Serve(ctx, ln)
}
