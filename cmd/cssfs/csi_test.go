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
	// The version go.mod pins (tool directive); -n builds it and says where.
	out, err := exec.Command("go", "tool", "-n", "csi-sanity").Output()
	if err != nil {
		t.Fatalf("go tool -n csi-sanity: %v", err)
	}
	sanity := strings.TrimSpace(string(out))
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
	out, err = cmd.CombinedOutput()
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

// A volume published on a node shows the tenant: every file of a day is
// the emulator's content, byte for byte (cmp). Publishing is idempotent,
// the credentials are on no command line and in no log, unpublishing
// unmounts, reaps the mount process and removes the target, twice.
func TestCSIPublishReadsADay(t *testing.T) {
	mounttest.RequireFUSE(t, "cmp")
	emu := mounttest.Emulator(t, tenant)
	kdir := t.TempDir()
	d := startCSI(t, kdir)
	ctx := context.Background()
	vol, err := d.ctrl.CreateVolume(ctx, &csipb.CreateVolumeRequest{Name: "pv-recordings",
		Parameters:         map[string]string{"apiURL": emu.URL, "region": "uk", "layout": "date"},
		VolumeCapabilities: []*csipb.VolumeCapability{readerCapability()},
		Secrets:            map[string]string{"key": emu.Key, "secret": emu.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	target := kubeletTarget(kdir, "pod-a", "pv-recordings")
	os.MkdirAll(filepath.Dir(target), 0o750) // kubelet makes the parent
	req := publishRequest(emu, vol.GetVolume().GetVolumeId(), target, vol.GetVolume().GetVolumeContext())
	if _, err := d.node.NodePublishVolume(ctx, req); err != nil {
		t.Fatalf("NodePublishVolume: %v\n%s", err, d.log)
	}
	if !mounttest.IsMounted(target) {
		t.Fatalf("%s is not mounted after NodePublishVolume", target)
	}
	pids := mountPIDs(t, target)
	if len(pids) != 1 {
		t.Fatalf("%d cssfs mount processes serve %s, want 1", len(pids), target)
	}
	argv, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pids[0]))
	if strings.Contains(string(argv), emu.Secret) || strings.Contains(string(argv), emu.Key) {
		t.Errorf("the mount's command line holds the credentials: %q", argv)
	}

	// The day with the most files, all of them compared with cmp.
	byDir := map[string][]string{}
	err = filepath.WalkDir(target, func(p string, e os.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			byDir[filepath.Dir(p)] = append(byDir[filepath.Dir(p)], p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var day string
	for dir, files := range byDir {
		if len(files) > len(byDir[day]) {
			day = dir
		}
	}
	if len(byDir[day]) < 2 {
		t.Fatalf("no day with files under %s: %v", target, byDir)
	}
	truthDir := t.TempDir()
	for _, f := range byDir[day] {
		truth := filepath.Join(truthDir, "truth")
		if err := os.WriteFile(truth, content(t, emu, "uk", xattr(t, f, "user.css.id")), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("cmp", f, truth).CombinedOutput(); err != nil {
			t.Errorf("cmp %s with the emulator's content: %v %s", f, err, out)
		}
	}
	t.Logf("%d files of %s are the emulator's, byte for byte", len(byDir[day]), strings.TrimPrefix(day, target))

	if _, err := d.node.NodePublishVolume(ctx, req); err != nil {
		t.Errorf("NodePublishVolume again: %v", err)
	}
	if again := mountPIDs(t, target); len(again) != 1 || again[0] != pids[0] {
		t.Errorf("after a second NodePublishVolume, mount processes %v, want the same one %d", again, pids[0])
	}
	other := publishRequest(emu, "another-volume", target, nil)
	_, err = d.node.NodePublishVolume(ctx, other)
	wantCode(t, "another volume on the same target", err, codes.AlreadyExists, target)

	unpublish := &csipb.NodeUnpublishVolumeRequest{VolumeId: req.VolumeId, TargetPath: target}
	for i := range 2 {
		if _, err := d.node.NodeUnpublishVolume(ctx, unpublish); err != nil {
			t.Fatalf("NodeUnpublishVolume #%d: %v", i+1, err)
		}
		if mounttest.IsMounted(target) {
			t.Errorf("%s still mounted after NodeUnpublishVolume #%d", target, i+1)
		}
		if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the target after NodeUnpublishVolume #%d: %v, want it removed", i+1, err)
		}
	}
	// Reaped before the answer: not even a zombie is left.
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pids[0])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("mount process %d still exists after NodeUnpublishVolume", pids[0])
	}
	if strings.Contains(d.log.String(), emu.Secret) {
		t.Errorf("the driver's log holds the secret")
	}
}

// readonly makes the mount read-only in the kernel (setfattr refused
// too); a pod's fsGroup becomes the files' group, mount options flags.
func TestCSIReadonlyAndFsGroup(t *testing.T) {
	mounttest.RequireFUSE(t)
	emu := mounttest.Emulator(t, tenant)
	kdir := t.TempDir()
	d := startCSI(t, kdir)
	ctx := context.Background()
	target := kubeletTarget(kdir, "pod-b", "pv")
	req := publishRequest(emu, "pv-static", target, map[string]string{"region": "us-east"})
	req.Readonly = true
	req.VolumeCapability.GetMount().VolumeMountGroup = "4242"
	req.VolumeCapability.GetMount().MountFlags = []string{"file-mode=0440", "dir_mode=0550"}
	if _, err := d.node.NodePublishVolume(ctx, req); err != nil {
		t.Fatalf("NodePublishVolume: %v\n%s", err, d.log)
	}
	t.Cleanup(func() {
		d.node.NodeUnpublishVolume(ctx, &csipb.NodeUnpublishVolumeRequest{VolumeId: req.VolumeId, TargetPath: target})
	})
	var st unix.Statfs_t
	if err := unix.Statfs(target, &st); err != nil {
		t.Fatal(err)
	}
	if st.Flags&unix.ST_RDONLY == 0 {
		t.Errorf("readonly volume: statfs flags %#x lack ST_RDONLY", st.Flags)
	}
	// The remount keeps the mount's other flags.
	if want := uint64(unix.ST_NOSUID | unix.ST_NODEV); uint64(st.Flags)&want != want {
		t.Errorf("readonly volume: statfs flags %#x lost nosuid or nodev", st.Flags)
	}
	var file string
	filepath.WalkDir(target, func(p string, e os.DirEntry, err error) error {
		if err == nil && file == "" && e.Type().IsRegular() {
			file = p
		}
		return err
	})
	if file == "" {
		t.Fatalf("no file under %s", target)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if gid := fi.Sys().(*syscall.Stat_t).Gid; gid != 4242 || fi.Mode().Perm() != 0o440 {
		t.Errorf("%s: group %d mode %v; want the fsGroup 4242 and file-mode 0440", file, gid, fi.Mode().Perm())
	}
	if err := unix.Setxattr(file, "user.css.refresh", []byte("1"), 0); !errors.Is(err, unix.EROFS) {
		t.Errorf("setfattr on a readonly volume: %v, want EROFS", err)
	}
}

// Bad volumes fail with InvalidArgument naming what is wrong, before
// anything is mounted.
func TestCSIRefusesBadVolumes(t *testing.T) {
	emu := mounttest.Emulator(t, csstest.Options{Objects: 5})
	kdir := t.TempDir()
	d := startCSI(t, kdir)
	ctx := context.Background()
	target := kubeletTarget(kdir, "pod-c", "pv")
	_, err := d.node.NodePublishVolume(ctx, publishRequest(emu, "pv", target, map[string]string{"bucket": "calls"}))
	wantCode(t, "NodePublishVolume with an unknown key", err, codes.InvalidArgument, `"bucket"`)
	_, err = d.ctrl.CreateVolume(ctx, &csipb.CreateVolumeRequest{Name: "pv", Parameters: map[string]string{"layout": "date", "bucket": "calls"},
		VolumeCapabilities: []*csipb.VolumeCapability{readerCapability()}})
	wantCode(t, "CreateVolume with an unknown key", err, codes.InvalidArgument, `"bucket"`)
	_, err = d.node.NodePublishVolume(ctx, publishRequest(emu, "pv", target, map[string]string{"cacheSize": "lots"}))
	wantCode(t, "NodePublishVolume with a bad value", err, codes.InvalidArgument, "cache-size")
	writer := publishRequest(emu, "pv", target, nil)
	writer.VolumeCapability.AccessMode.Mode = csipb.VolumeCapability_AccessMode_MULTI_NODE_MULTI_WRITER
	_, err = d.node.NodePublishVolume(ctx, writer)
	wantCode(t, "NodePublishVolume for many writers", err, codes.InvalidArgument, "read-only")
	noSecret := publishRequest(emu, "pv", target, nil)
	noSecret.Secrets = nil
	_, err = d.node.NodePublishVolume(ctx, noSecret)
	wantCode(t, "NodePublishVolume without a secret", err, codes.InvalidArgument, "secret")
	badOption := publishRequest(emu, "pv", target, nil)
	badOption.VolumeCapability.GetMount().MountFlags = []string{"allow_delete"}
	_, err = d.node.NodePublishVolume(ctx, badOption)
	wantCode(t, "NodePublishVolume with mount option allow_delete", err, codes.InvalidArgument, "allow_delete")
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused publish made the target: %v", err)
	}
}

// A mount process that dies is noticed and its dead mount detached; a
// driver that dies takes its mount processes with it, and the next one
// unmounts the dead mounts they leave under the kubelet directory.
func TestCSIRestartUnmountsDeadMounts(t *testing.T) {
	mounttest.RequireFUSE(t)
	emu := mounttest.Emulator(t, tenant)
	kdir := t.TempDir()
	d1 := startCSI(t, kdir)
	ctx := context.Background()
	a, b := kubeletTarget(kdir, "pod-a", "pv"), kubeletTarget(kdir, "pod-b", "pv")
	for _, target := range []string{a, b} {
		if _, err := d1.node.NodePublishVolume(ctx, publishRequest(emu, "pv", target, nil)); err != nil {
			t.Fatalf("NodePublishVolume %s: %v\n%s", target, err, d1.log)
		}
	}
	pidA, pidB := mountPIDs(t, a), mountPIDs(t, b)
	if len(pidA) != 1 || len(pidB) != 1 {
		t.Fatalf("mount processes %v and %v, want one each", pidA, pidB)
	}

	syscall.Kill(pidB[0], syscall.SIGKILL)
	if !d1.log.WaitFor("its mount is detached", 30*time.Second) {
		t.Fatalf("the driver did not notice its mount process died:\n%s", d1.log)
	}
	if mounttest.IsMounted(b) {
		t.Errorf("%s still mounted after its process died", b)
	}
	// kubelet hears of it: the volume's condition is abnormal.
	stats, err := d1.node.NodeGetVolumeStats(ctx, &csipb.NodeGetVolumeStatsRequest{VolumeId: "pv", VolumePath: b})
	if err != nil || !stats.GetVolumeCondition().GetAbnormal() || !strings.Contains(stats.GetVolumeCondition().GetMessage(), "exited") {
		t.Errorf("NodeGetVolumeStats of the dead volume: %v, %v; want an abnormal condition that says its process exited", stats, err)
	}
	stats, err = d1.node.NodeGetVolumeStats(ctx, &csipb.NodeGetVolumeStatsRequest{VolumeId: "pv", VolumePath: a})
	if err != nil || stats.GetVolumeCondition().GetAbnormal() || len(stats.GetUsage()) == 0 {
		t.Errorf("NodeGetVolumeStats of the live volume: %v, %v; want a normal condition and usage", stats, err)
	}
	_, err = d1.node.NodeGetVolumeStats(ctx, &csipb.NodeGetVolumeStatsRequest{VolumeId: "other", VolumePath: a})
	wantCode(t, "NodeGetVolumeStats of another volume", err, codes.NotFound, "other")

	d1.cmd.Process.Kill()
	d1.cmd.Wait()
	waitGone(t, pidA[0], 30*time.Second)
	if !mounttest.IsMounted(a) {
		t.Fatalf("%s: no dead mount left by the killed driver; nothing to test", a)
	}
	d2 := startCSI(t, kdir)
	if mounttest.IsMounted(a) {
		t.Errorf("%s still mounted after a new driver started:\n%s", a, d2.log)
	}
	if !strings.Contains(d2.log.String(), "unmounted a dead cssfs mount") {
		t.Errorf("the new driver did not say it unmounted %s:\n%s", a, d2.log)
	}
	// Nor is the killed driver's private directory left behind.
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("cssfs-csi-%d-*", d1.cmd.Process.Pid))); len(left) != 0 {
		t.Errorf("the killed driver's directory %v is still there", left)
	}
	// The pod's next publish mounts again.
	if _, err := d2.node.NodePublishVolume(ctx, publishRequest(emu, "pv", a, nil)); err != nil {
		t.Fatalf("NodePublishVolume after the restart: %v\n%s", err, d2.log)
	}
	if _, err := os.ReadDir(a); err != nil {
		t.Errorf("reading the volume mounted again: %v", err)
	}
	for _, target := range []string{a, b} {
		if _, err := d2.node.NodeUnpublishVolume(ctx, &csipb.NodeUnpublishVolumeRequest{VolumeId: "pv", TargetPath: target}); err != nil {
			t.Errorf("NodeUnpublishVolume %s: %v", target, err)
		}
	}
}

// A mount that cannot start (the service refuses the secret) fails the
// publish with the end of its log, which names the cause, and leaves
// nothing behind.
func TestCSIPublishFailsWithTheMountLog(t *testing.T) {
	emu := mounttest.Emulator(t, csstest.Options{Objects: 5})
	kdir := t.TempDir()
	d := startCSI(t, kdir)
	target := kubeletTarget(kdir, "pod-d", "pv")
	req := publishRequest(emu, "pv", target, nil)
	req.Secrets["secret"] = "not-the-secret"
	_, err := d.node.NodePublishVolume(context.Background(), req)
	msg := status.Convert(err).Message()
	if status.Code(err) != codes.Internal || !strings.Contains(msg, "cssfs mount exited") || !strings.Contains(msg, "401") {
		t.Errorf("NodePublishVolume with a wrong secret: %v; want Internal with the mount's log (401)", err)
	}
	if strings.Contains(msg, "not-the-secret") || strings.Contains(d.log.String(), "not-the-secret") {
		t.Errorf("the secret is in the error or the driver's log")
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed publish left its target: %v", err)
	}
	if pids := mountPIDs(t, target); len(pids) != 0 {
		t.Errorf("mount processes %v left after a failed publish", pids)
	}
}
