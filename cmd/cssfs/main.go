// Command cssfs mounts an 8x8 Cloud Storage Service tenant as a filesystem.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // --timezone works where the system has no zone files

	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the exit code: 0 ok, 1 failure,
// 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage())
		return 2
	}
	var err error
	switch c, ok := lookup(args[0]); {
	case ok:
		err = c.run(args[1:], stdout, stderr)
	case args[0] == "--version":
		err = runVersion(nil, stdout, stderr)
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		fmt.Fprint(stdout, mainUsage())
	default:
		// mount.fuse3 runs an fstab entry of type fuse.cssfs as
		// "cssfs SOURCE MOUNTPOINT -o OPTIONS".
		helper, ok := helperArgs(args)
		if !ok {
			fmt.Fprintf(stderr, "cssfs: unknown command %q\n\n%s", args[0], mainUsage())
			return 2
		}
		err = runMount(helper, stdout, stderr)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "cssfs:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "cssfs:", err)
		return 1
	}
}

// parseFlags parses args; a mistake in them is a usage error (exit 2),
// after the usage on f's output (standard error). Asked for with --help,
// the usage goes to stdout, as other tools do, so that it can be paged.
func parseFlags(f *pflag.FlagSet, args []string, stdout io.Writer) error {
	usage := f.Usage
	f.Usage = func() {} // pflag would print it to f's output whatever the cause
	err := f.Parse(args)
	f.Usage = usage
	switch {
	case errors.Is(err, pflag.ErrHelp):
		errOut := f.Output()
		f.SetOutput(stdout)
		usage()
		f.SetOutput(errOut)
		return err
	case err != nil:
		usage()
		return usageError{err.Error()}
	}
	return nil
}

// usageError marks mistakes in the command line (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
