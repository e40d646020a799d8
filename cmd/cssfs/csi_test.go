//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	csipb "github.com/container-storage-interface/spec/lib/go/csi"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

// csiDriver is a running "cssfs csi" (all services) and a client of it.
type csiDriver struct {
	t          *testing.T
	cmd        *exec.Cmd
	sock       string
	kubeletDir string
	log        *mounttest.LogBuffer
	conn       *grpc.ClientConn
	node       csipb.NodeClient
	ctrl       csipb.ControllerClient
}

// startCSI starts the driver with kubeletDir as its kubelet directory; it
// is stopped when the test ends, and nothing may stay mounted under
// kubeletDir.
func startCSI(t *testing.T, kubeletDir string) *csiDriver {
	t.Helper()
	d := &csiDriver{t: t, sock: filepath.Join(t.TempDir(), "csi.sock"), kubeletDir: kubeletDir, log: &mounttest.LogBuffer{}}
	d.cmd = exec.Command(binPath, "csi", "--endpoint", "unix://"+d.sock, "--node-id", "node-1", "--kubelet-dir", kubeletDir, "--log-level", "debug")
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop(); unmountAllUnder(t, kubeletDir) })
	if !d.log.WaitFor("serving CSI", 30*time.Second) {
		t.Fatalf("cssfs csi did not come up:\n%s", d.log)
	}
	conn, err := grpc.NewClient("unix://"+d.sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	d.conn, d.node, d.ctrl = conn, csipb.NewNodeClient(conn), csipb.NewControllerClient(conn)
	return d
}

// stop ends the driver with SIGTERM, as Kubernetes does.
func (d *csiDriver) stop() {
	if d.conn != nil {
		d.conn.Close()
	}
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			d.t.Errorf("cssfs csi exited with %v\n%s", err, d.log)
		}
	case <-time.After(60 * time.Second):
		d.cmd.Process.Kill()
		<-done
		d.t.Errorf("cssfs csi did not exit within 60s of SIGTERM\n%s", d.log)
	}
}

// unmountAllUnder detaches whatever is still mounted under dir, failing
// the test: a test must leave nothing mounted.
func unmountAllUnder(t *testing.T, dir string) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Error(err)
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			syscall.Unmount(f[4], syscall.MNT_DETACH)
			t.Errorf("%s was still mounted at the end of the test", f[4])
		}
	}
}

func readerCapability() *csipb.VolumeCapability {
	return &csipb.VolumeCapability{
		AccessMode: &csipb.VolumeCapability_AccessMode{Mode: csipb.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY},
		AccessType: &csipb.VolumeCapability_Mount{Mount: &csipb.VolumeCapability_MountVolume{}},
	}
}

// publishRequest publishes the view params of emu at target, with emu's
// credentials as the volume's secret.
func publishRequest(emu *csstest.Server, volumeID, target string, params map[string]string) *csipb.NodePublishVolumeRequest {
	ctx := map[string]string{"apiURL": emu.URL}
	for k, v := range params {
		ctx[k] = v
	}
	return &csipb.NodePublishVolumeRequest{VolumeId: volumeID, TargetPath: target, VolumeCapability: readerCapability(),
		VolumeContext: ctx, Secrets: map[string]string{"key": emu.Key, "secret": emu.Secret}}
}

// kubeletTarget is where kubelet would ask for a pod's volume.
func kubeletTarget(kubeletDir, pod, volume string) string {
	return filepath.Join(kubeletDir, "pods", pod, "volumes", "kubernetes.io~csi", volume, "mount")
}

// mountPIDs lists the "cssfs mount" processes serving target, from /proc.
func mountPIDs(t *testing.T, target string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		argv, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimSuffix(string(argv), "\x00"), "\x00")
		if len(args) > 2 && args[0] == binPath && args[1] == "mount" && args[len(args)-1] == target {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGone waits, without polling, until process pid has exited.
func waitGone(t *testing.T, pid int, timeout time.Duration) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return
	}
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	defer unix.Close(fd)
	n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(timeout.Milliseconds()))
	if err != nil || n != 1 {
		t.Fatalf("process %d still there after %s (%v)", pid, timeout, err)
	}
}

func wantCode(t *testing.T, what string, err error, code codes.Code, mention string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), mention) {
		t.Errorf("%s: got %v, want %s mentioning %q", what, err, code, mention)
	}
}

// The community sanity suite, with real mounts of an emulated tenant.
func TestCSISanity(t *testing.T) {
	mounttest.RequireFUSE(t)
	sanity := filepath.Join(t.TempDir(), "csi-sanity")
	if out, err := exec.Command("go", "build", "-o", sanity, "github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity").CombinedOutput(); err != nil {
		t.Fatalf("building csi-sanity: %v\n%s", err, out)
	}
	emu := mounttest.Emulator(t, csstest.Options{Seed: 3, Objects: 40})
	dir := t.TempDir()
	d := startCSI(t, dir)
	params, secrets := filepath.Join(dir, "params.yaml"), filepath.Join(dir, "secrets.yaml")
	os.WriteFile(params, []byte(fmt.Sprintf("apiURL: %q\n", emu.URL)), 0o600)
	cred := fmt.Sprintf("  key: %q\n  secret: %q\n", emu.Key, emu.Secret)
	os.WriteFile(secrets, []byte("NodePublishVolumeSecret:\n"+cred+"CreateVolumeSecret:\n"+cred), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sanity, "-csi.endpoint", d.sock, "-csi.mountdir", filepath.Join(dir, "mount"),
		"-csi.stagingdir", filepath.Join(dir, "staging"), "-csi.testvolumeparameters", params, "-csi.secrets", secrets,
		"-ginkgo.no-color")
	out, err := cmd.CombinedOutput()
	m := regexp.MustCompile(`(\d+) Passed \| (\d+) Failed \| (\d+) Pending \| (\d+) Skipped`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("csi-sanity: %v; no summary in its output:\n%s", err, out)
	}
	passed, _ := strconv.Atoi(string(m[1]))
	failed, _ := strconv.Atoi(string(m[2]))
	t.Logf("csi-sanity v5.4.0: %s passed, %s failed, %s pending, %s skipped", m[1], m[2], m[3], m[4])
	if failed != 0 || passed < 15 || err != nil {
		t.Errorf("csi-sanity: %d passed, %d failed (exit: %v); want 0 failed and at least 15 passed\n%s\ndriver log:\n%s", passed, failed, err, out, d.log)
	}
	if !strings.Contains(d.log.String(), "volume mounted") {
		t.Errorf("csi-sanity passed without a single real mount:\n%s", d.log)
	}
	if strings.Contains(d.log.String(), emu.Secret) {
		t.Errorf("the driver's log holds the secret")
	}
}
