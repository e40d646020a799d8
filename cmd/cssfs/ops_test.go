package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// scrape fetches the metrics page and returns the sample of name{labels}.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func sample(page, series string) float64 {
	for _, line := range strings.Split(page, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v
		}
	}
	return 0
}

func TestMetricsMoveDuringReads(t *testing.T) {
	mounttest.RequireFUSE(t)
	m := mountEmulator(t, tenant, "--metrics-addr", "127.0.0.1:0")
	url := metricsURL(t, m.Mount)
	before := scrape(t, url)
	files := m.filesByID()
	n := 0
	for _, fs := range files {
		if fs[0].info.Size() > 2<<20 && n < 3 {
			f, err := os.Open(fs[0].path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, f)
			if n == 0 { // one file still open while we scrape
				defer f.Close()
			} else {
				f.Close()
			}
			n++
		}
	}
	after := scrape(t, url)
	for _, series := range []string{
		`cssfs_api_requests_total{endpoint="content",status="206"}`,
		`cssfs_api_requests_total{endpoint="search",status="200"}`,
		`cssfs_content_bytes_total`,
		`cssfs_cache_fetches_total`,
		`cssfs_fuse_operations_total{op="read",result="ok"}`,
		`cssfs_fuse_operations_total{op="readdirplus",result="ok"}`,
		`cssfs_fuse_operation_seconds_count{op="read"}`,
		`cssfs_readahead_window_bytes_count`,
	} {
		if sample(after, series) <= sample(before, series) {
			t.Errorf("%s did not move: %v -> %v", series, sample(before, series), sample(after, series))
		}
	}
	if v := sample(after, `cssfs_token_fetches_total{result="ok"}`); v < 1 {
		t.Errorf("token fetches: %v", v)
	}
	if v := sample(after, "cssfs_open_files"); v != 1 {
		t.Errorf("open files: %v, want 1", v)
	}
	if v := sample(after, "cssfs_cache_bytes"); v <= 0 {
		t.Errorf("cache bytes: %v", v)
	}
}

// waitPidExit waits (up to timeout) for a process that is not our child.
func waitPidExit(t *testing.T, pid int, timeout time.Duration) bool {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return true // already gone
	}
	defer unix.Close(fd)
	n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(timeout.Milliseconds()))
	return err == nil && n == 1
}

// startDaemonised runs cssfs (mount --daemon or the fstab helper) and
// returns the pid it reports.
func startDaemonised(t *testing.T, cmd *osexec.Cmd, dir string) int {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	m := regexp.MustCompile(`pid (\d+)`).FindStringSubmatch(string(out))
	if m == nil || !mounttest.IsMounted(dir) {
		t.Fatalf("no daemon pid or no mount: %s", out)
	}
	pid, _ := strconv.Atoi(m[1])
	t.Cleanup(func() {
		if mounttest.IsMounted(dir) {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return pid
}

func TestDaemonAndUnmount(t *testing.T) {
	mounttest.RequireFUSE(t)
	emu := mounttest.Emulator(t, tenant)
	dir := t.TempDir()
	cmd := osexec.Command(binPath, "mount", "--daemon", "--api-url", emu.URL, "--log-file", filepath.Join(t.TempDir(), "log"), dir)
	cmd.Env = append(os.Environ(), "CSSFS_KEY="+emu.Key, "CSSFS_SECRET="+emu.Secret)
	pid := startDaemonised(t, cmd, dir)
	if entries, err := os.ReadDir(filepath.Join(dir, "uk")); err != nil || len(entries) == 0 {
		t.Fatalf("daemon mount lists %d entries: %v", len(entries), err)
	}
	if err := osexec.Command(binPath, "unmount", t.TempDir()).Run(); err == nil {
		t.Errorf("cssfs unmount of a directory that is not a cssfs mount succeeded")
	}
	if out, err := osexec.Command(binPath, "unmount", dir).CombinedOutput(); err != nil {
		t.Fatalf("cssfs unmount: %v %s", err, out)
	}
	if mounttest.IsMounted(dir) {
		t.Errorf("still mounted after cssfs unmount")
	}
	if !waitPidExit(t, pid, 20*time.Second) {
		t.Errorf("the daemon (pid %d) did not exit after unmount", pid)
	}
}

// TestFstabEntry mounts the way an /etc/fstab line of type fuse.cssfs does:
// mount(8) → mount.fuse3 → "cssfs SOURCE DIR -o OPTIONS", found on the
// standard PATH.
func TestFstabEntry(t *testing.T) {
	mounttest.RequireFUSE(t, "mount", "umount", "mount.fuse3")
	if os.Geteuid() != 0 {
		t.Skip("mount -t needs root") // CI runs as root
	}
	const installed = "/usr/local/bin/cssfs"
	if _, err := os.Lstat(installed); err == nil {
		t.Skip(installed + " exists; not replacing an installed cssfs") // CI machines have none
	}
	if err := os.Symlink(binPath, installed); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(installed) })
	emu := mounttest.Emulator(t, tenant)
	creds := filepath.Join(t.TempDir(), "credentials")
	os.WriteFile(creds, []byte("key="+emu.Key+"\nsecret="+emu.Secret+"\n"), 0o600)
	dir := t.TempDir()
	cmd := osexec.Command("mount", "-t", "fuse.cssfs", "-o", "api_url="+emu.URL+",region=uk,_netdev,nodev,layout=date", creds, dir)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	pid := startDaemonised(t, cmd, dir)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "uk" {
		t.Errorf("fstab mount shows %v (%v), want only uk", entries, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "uk", "2023")); err != nil {
		t.Errorf("layout=date not applied: %v", err)
	}
	if out, err := osexec.Command("umount", dir).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v %s", err, out)
	}
	if !waitPidExit(t, pid, 20*time.Second) {
		t.Errorf("cssfs (pid %d) did not exit after umount", pid)
	}
}

func TestDoctor(t *testing.T) {
	mounttest.RequireFUSE(t)
	emu := mounttest.Emulator(t, tenant)
	var out, errOut bytes.Buffer
	t.Setenv("CSSFS_KEY", emu.Key)
	t.Setenv("CSSFS_SECRET", emu.Secret)
	if code := run([]string{"doctor", "--api-url", emu.URL}, &out, &errOut); code != 0 || strings.Contains(out.String(), "FAIL") {
		t.Errorf("doctor on a healthy set-up: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "read") {
		t.Errorf("doctor made no sample read:\n%s", out.String())
	}
	out.Reset()
	t.Setenv("CSSFS_SECRET", "wrong")
	if code := run([]string{"doctor", "--api-url", emu.URL}, &out, &errOut); code != 1 || !strings.Contains(out.String(), "the API key or secret is wrong") {
		t.Errorf("doctor with a wrong secret: exit %d\n%s", code, out.String())
	}

	// A key whose app lacks the storage product: the gateway's fault, in words.
	noProduct := mounttest.Emulator(t, csstest.Options{NoStorageProduct: true})
	out.Reset()
	t.Setenv("CSSFS_KEY", noProduct.Key)
	t.Setenv("CSSFS_SECRET", noProduct.Secret)
	if code := run([]string{"doctor", "--api-url", noProduct.URL}, &out, &errOut); code != 1 || !strings.Contains(out.String(), "the API key lacks the storage product") {
		t.Errorf("doctor with a key lacking the storage product: exit %d\n%s", code, out.String())
	}
}
