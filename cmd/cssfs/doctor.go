package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/cssfs/cssfs/client"
)

const doctorDescription = `Checks, in order, what a mount needs: FUSE on this machine, credentials, an
access token, the account's regions and one sample read. Each line says
what is wrong and how to fix it. Exit code 0 when all is well.
Example:
  CSSFS_KEY=… CSSFS_SECRET=… cssfs doctor
`

// runDoctor checks each thing a mount needs and says plainly what is wrong.
func runDoctor(args []string, stdout, stderr io.Writer) error {
	s, f, err := parseServiceCommand("doctor", args, stdout, stderr, nil)
	if err != nil {
		return err
	}
	failed := 0
	report := func(ok bool, what, detail string) {
		mark := "ok  "
		if !ok {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s %-12s %s\n", mark, what, detail)
	}

	ok, detail := checkFUSE()
	report(ok, "fuse", detail)

	s.logLevel = "error" // the report says it all
	sess, err := s.open(f, io.Discard)
	if err != nil {
		report(false, "credentials", explain(err))
		return doctorResult(failed)
	}
	defer sess.close()
	report(true, "credentials", fmt.Sprintf("key %s…, service %s", prefix(s.key), s.apiURL))

	ctx, cancel := context.WithTimeout(context.Background(), s.opTimeout)
	defer cancel()
	regions, err := sess.api.Regions(ctx)
	if err != nil {
		report(false, "token", explain(err))
		return doctorResult(failed)
	}
	report(true, "token", "an access token was issued and accepted")
	report(len(regions) > 0, "regions", fmt.Sprint(regions))

	for _, region := range regions {
		obj, found, err := sess.api.First(ctx, region, client.Query{Limit: 1})
		if err != nil {
			report(false, "search", region+": "+explain(err))
			continue
		}
		if !found {
			report(true, "search", region+": no available objects")
			continue
		}
		n := min(obj.StoredBytes, 64<<10)
		start := time.Now()
		if _, err := sess.api.ReadRange(ctx, region, obj.ID, 0, make([]byte, max(n, 0)), nil); err != nil {
			report(false, "read", region+": "+explain(err))
			continue
		}
		report(true, "read", fmt.Sprintf("%s: read %d bytes of %s in %s", region, n, obj.ID, time.Since(start).Round(time.Millisecond)))
	}
	return doctorResult(failed)
}

func doctorResult(failed int) error {
	if failed > 0 {
		return fmt.Errorf("%d checks failed", failed)
	}
	return nil
}

// checkFUSE tells whether this process could mount.
func checkFUSE() (bool, string) {
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return false, "/dev/fuse cannot be opened (" + err.Error() + "): load the fuse module (modprobe fuse) or, in a container, pass --device /dev/fuse"
	}
	f.Close()
	if os.Geteuid() == 0 {
		return true, "/dev/fuse usable; running as root, so cssfs mounts directly"
	}
	if _, err := exec.LookPath("fusermount3"); err != nil {
		return false, "fusermount3 is missing: install it (Debian/Ubuntu: apt-get install fuse3)"
	}
	return true, "/dev/fuse usable; fusermount3 found"
}

// explain turns an error into advice.
func explain(err error) string {
	var ae *client.APIError
	switch {
	case errors.As(err, &ae) && ae.Hint() != "":
		return err.Error() // the service said what is wrong, in words the client knows

	case errors.Is(err, client.ErrInsecureURL):
		return err.Error() + ": use https:// (plain http only for a local emulator)"
	case errors.Is(err, client.ErrAuth):
		return err.Error() + ": check the key and secret, and that the 8x8 app has the \"Call Recordings & Storage\" product"
	case errors.Is(err, client.ErrForbidden):
		return err.Error() + ": the user needs the Storage API role in 8x8 Admin Console"
	case errors.Is(err, client.ErrNoCredentials):
		return "no credentials: set CSSFS_KEY and CSSFS_SECRET, or --credentials-file FILE (mode 0600)"
	case errors.Is(err, client.ErrThrottled):
		return err.Error() + ": the service's gateway is throttling this key; try again later"
	case errors.Is(err, context.DeadlineExceeded):
		return err.Error() + ": the service did not answer in time; check the network and --api-url"
	}
	return err.Error()
}

func prefix(s string) string {
	if len(s) > 4 {
		return s[:4]
	}
	return s
}
