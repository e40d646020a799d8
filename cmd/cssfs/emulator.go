package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/clidoc"
)

const emulatorDescription = `Runs an emulator of the 8x8 CSS API with a synthetic tenant, and prints the
URL, key and secret to use with it.
Examples:
  cssfs emulator --addr 127.0.0.1:8088 > emulator.env
  cssfs emulator --objects 100000 --latency 20ms --rate-429 0.1
  cssfs emulator --request-cost 5ms --quota-per-min 600   # what the real gateway charges
  cssfs emulator --dir ./recordings     # serve a folder of files as the tenant
  cssfs emulator --paging opaque --no-total --content-redirect --quota-per-min 100
                                         # other plausible readings of the API's open questions
`

// newEmulatorFlags is the flag set of "cssfs emulator", and what it sets.
func newEmulatorFlags(stderr io.Writer) (*pflag.FlagSet, *csstest.Options, *csstest.Faults) {
	o, f := &csstest.Options{}, &csstest.Faults{}
	fl := newFlagSet("emulator", stderr)
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:8088", "listen address (HOST:PORT)")
	fl.IntVar(&o.Objects, "objects", 300, "synthetic objects per region")
	fl.Int64Var(&o.Seed, "seed", 1, "seed of the synthetic tenant")
	fl.StringSliceVar(&o.Regions, "regions", []string{"us-east", "uk"}, "regions of the account")
	fl.StringVar(&o.Dir, "dir", "", "serve the files of this folder as the tenant instead")
	fl.StringVar(&o.Key, "key", "", "API key to accept (default: random)")
	fl.StringVar(&o.Secret, "secret", "", "API secret to accept (default: random)")
	fl.DurationVar(&o.TokenLifetime, "token-lifetime", 1799*time.Second, "lifetime of issued tokens")
	fl.BoolVar(&o.ReadOnlyKey, "read-only-key", false, "answer 403 to restore and delete")
	fl.DurationVar(&f.Latency, "latency", 0, "fault: latency added to every request")
	fl.DurationVar(&f.Latency, "request-cost", 0, "server time charged per call, concurrent calls in parallel, as a gateway does (the same knob as --latency)")
	fl.Int64Var(&f.Bandwidth, "bandwidth", 0, "fault: bytes/s cap per response body (0 = none)")
	fl.Float64Var(&f.Rate429, "rate-429", 0, "fault: fraction of requests answered 429")
	fl.Float64Var(&f.Rate5xx, "rate-5xx", 0, "fault: fraction of requests answered 5xx")
	fl.Float64Var(&f.ResetRate, "reset-rate", 0, "fault: fraction of content bodies cut mid-way")
	fl.BoolVar(&f.IgnoreRange, "ignore-range", false, "fault: answer Range requests with the whole body")
	// the other plausible answers to the reference's open questions
	fl.StringVar(&o.Paging, "paging", "offset", "search pageKey: offset, page (1-based page number) or opaque (string token)")
	fl.BoolVar(&o.NoTotal, "no-total", false, "leave the total field out of search pages")
	fl.BoolVar(&o.ContentRedirect, "content-redirect", false, "answer /content with 302 to a presigned S3-like URL on 127.0.0.2")
	fl.DurationVar(&o.PresignLifetime, "presign-lifetime", 1800*time.Second, "lifetime of presigned URLs")
	fl.Float64Var(&f.StaleRedirectRate, "stale-redirect-rate", 0, "fault: fraction of /content redirects to an already expired URL")
	fl.IntVar(&o.QuotaPerMin, "quota-per-min", 0, "Apigee quota: storage calls per minute, then 500 QuotaViolation (0 = none)")
	fl.BoolVar(&o.NoStorageProduct, "no-storage-product", false, "tokens lack the storage API product: storage calls answer 401")
	clidoc.MarkDir(fl, "dir")
	clidoc.MarkChoices(fl, "paging", "offset", "page", "opaque")
	return fl, o, f
}

func runEmulator(args []string, stdout, stderr io.Writer) error {
	fl, o, f := newEmulatorFlags(stderr)
	if err := parseFlags(fl, args, stdout); err != nil {
		return err
	}
	o.Faults = *f
	emu, err := csstest.New(*o)
	if err != nil {
		return fmt.Errorf("starting the emulator: %w", err)
	}
	defer emu.Close()
	fmt.Fprintf(stdout, "CSSFS_API_URL=%s\nCSSFS_KEY=%s\nCSSFS_SECRET=%s\n", emu.URL, emu.Key, emu.Secret)
	if emu.StoreURL != "" {
		fmt.Fprintf(stdout, "# /content redirects to the object store at %s\n", emu.StoreURL)
	}
	fmt.Fprintf(stdout, "# try: curl -u \"$CSSFS_KEY:$CSSFS_SECRET\" -d grant_type=client_credentials %s/oauth/v2/token\n", emu.URL)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	return nil
}
