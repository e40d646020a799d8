package csi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cssfs/cssfs/internal/mounts"
	"github.com/cssfs/cssfs/internal/sdnotify"
)

// stopGrace is how long a mount process has to unmount and exit after
// SIGTERM before it is killed.
const stopGrace = 10 * time.Second

// readyTimeout is the longest a publish waits for its mount to come up.
const readyTimeout = 5 * time.Minute

// nodeServer mounts volumes: one supervised "cssfs mount" process each.
type nodeServer struct {
	csi.UnimplementedNodeServer
	d      *Driver
	runDir string // private (0700): the notify sockets of starting mounts

	mu      sync.Mutex
	targets map[string]*targetLock // the targets being worked on
	mounts  map[string]*mountProc  // by target path
	dead    map[string]deadMount   // targets whose process died on its own
	seq     int
}

// deadMount is a volume whose mount process died on its own: kubelet sees
// it as abnormal (NodeGetVolumeStats) until it is unpublished.
type deadMount struct{ volumeID, reason string }

// targetLock serialises the calls on one target path; it is dropped when
// no call holds or waits for it.
type targetLock struct {
	sync.Mutex
	users int
}

// mountProc is a running "cssfs mount" of one volume at one target.
type mountProc struct {
	pub      *publishing
	cmd      *exec.Cmd
	stderr   *childLog
	done     chan struct{} // closed once the process is reaped
	waitErr  error         // set before done is closed
	stopping chan struct{} // closed when the driver stops it on purpose
	stopOnce sync.Once
}

// runDirPrefix names the private directories of drivers, with their pid.
const runDirPrefix = "cssfs-csi-"

func newNodeServer(d *Driver) (*nodeServer, error) {
	removeStaleRunDirs()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", runDirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("node service: %w", err)
	}
	return &nodeServer{d: d, runDir: dir, targets: map[string]*targetLock{}, mounts: map[string]*mountProc{}, dead: map[string]deadMount{}}, nil
}

// removeStaleRunDirs removes the private directories of drivers that are
// gone (killed before they could).
func removeStaleRunDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), runDirPrefix+"*-*"))
	for _, dir := range dirs {
		pid, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), runDirPrefix), "-")
		if _, err := strconv.Atoi(pid); err != nil {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); errors.Is(err, os.ErrNotExist) {
			os.RemoveAll(dir)
		}
	}
}

// lock serialises the calls on one target path.
func (s *nodeServer) lock(target string) func() {
	s.mu.Lock()
	l := s.targets[target]
	if l == nil {
		l = &targetLock{}
		s.targets[target] = l
	}
	l.users++
	s.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.targets, target)
		}
		s.mu.Unlock()
	}
}

func (s *nodeServer) running(target string) *mountProc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mounts[target]
}

func (s *nodeServer) NodePublishVolume(ctx context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	p, err := s.d.checkPublish(req)
	if err != nil {
		return nil, err
	}
	target := filepath.Clean(p.target)
	defer s.lock(target)()
	if m := s.running(target); m != nil {
		if m.pub.volumeID == p.volumeID && slices.Equal(m.pub.args, p.args) && m.pub.readonly == p.readonly {
			return &csi.NodePublishVolumeResponse{}, nil // published already: idempotent
		}
		return nil, status.Errorf(codes.AlreadyExists, "NodePublishVolume: %s holds volume %s with other settings", target, m.pub.volumeID)
	}
	typ, err := mounts.TypeAt(target)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "NodePublishVolume: %v", err)
	}
	if typ != "" {
		if typ != fsType {
			return nil, status.Errorf(codes.AlreadyExists, "NodePublishVolume: %s is a mountpoint of %s already", target, typ)
		}
		// A cssfs mount no process of this driver serves: left by an
		// earlier driver. Replace it.
		s.d.log.Warn("replacing a cssfs mount of an earlier driver", "target", target)
		if err := unmount(target); err != nil {
			return nil, status.Errorf(codes.Internal, "NodePublishVolume: %v", err)
		}
	}
	_, statErr := os.Stat(target)
	if err := os.MkdirAll(target, 0o750); err != nil {
		return nil, status.Errorf(codes.Internal, "NodePublishVolume: creating the target: %v", err)
	}
	m, err := s.start(ctx, p, target)
	s.bury(target)
	if err != nil {
		if errors.Is(statErr, os.ErrNotExist) {
			os.Remove(target) // made for nothing
		}
		return nil, err
	}
	s.d.log.Info("volume mounted", "volume", p.volumeID, "target", target, "pid", m.cmd.Process.Pid, "readonly", p.readonly)
	return &csi.NodePublishVolumeResponse{}, nil
}

// start runs "cssfs mount" for p and waits until it says (sd_notify
// READY=1 on a socket of its own) that the mount is up, or exits.
func (s *nodeServer) start(ctx context.Context, p *publishing, target string) (*mountProc, error) {
	s.mu.Lock()
	s.seq++
	sock := filepath.Join(s.runDir, fmt.Sprintf("notify-%d", s.seq))
	s.mu.Unlock()
	notify, err := sdnotify.Listen(sock)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "NodePublishVolume: %v", err)
	}
	defer notify.Close()

	cmdArgs := slices.Concat(s.d.opts.Command[1:], s.d.opts.MountDefaults, p.args, []string{"--allow-other", "--", target})
	cmd := exec.Command(s.d.opts.Command[0], cmdArgs...)
	// The credentials go through the environment, never argv; the
	// driver's own CSSFS_* settings do not leak into the mount.
	cmd.Env = append(childEnv(), "CSSFS_KEY="+p.key, "CSSFS_SECRET="+p.secret, "NOTIFY_SOCKET="+sock)
	m := &mountProc{pub: p, cmd: cmd, stderr: newChildLog(s.d.opts.ChildLog, p.volumeID),
		done: make(chan struct{}), stopping: make(chan struct{})}
	cmd.Stderr = m.stderr
	// Own process group: a Ctrl-C to the driver is the driver's to pass
	// on. Killed with the driver, so that a crashed driver leaves dead
	// mounts (cleaned by the next one), never orphaned live ones.
	// (Pdeathsig follows the thread that started the child; the Go
	// runtime keeps its threads unless one is locked and exits, which no
	// code of the driver does.)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, status.Errorf(codes.Internal, "NodePublishVolume: starting cssfs mount: %v", err)
	}
	// Known from now on, so that the supervisor can tell a process that
	// died on its own from one the driver stopped.
	s.mu.Lock()
	s.mounts[target] = m
	s.mu.Unlock()
	go s.supervise(m, target)
	p.key, p.secret = "", "" // the process has them; the driver needs them no more

	// Bounded even when the caller set no deadline (the mount process
	// bounds its own start by --op-timeout; this is a backstop).
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()

	ready := make(chan error, 1)
	go func() { ready <- notify.WaitFor(sdnotify.Ready, time.Time{}) }()
	fail := func(code codes.Code, format string, args ...any) error {
		s.stop(m, target)
		s.forget(target, m)
		return status.Errorf(code, format, args...)
	}
	select {
	case err := <-ready:
		if err != nil {
			return nil, fail(codes.Internal, "NodePublishVolume: waiting for the mount: %v", err)
		}
	case <-m.done:
		code := codes.Internal
		if ee := (*exec.ExitError)(nil); errors.As(m.waitErr, &ee) && ee.ExitCode() == 2 {
			code = codes.InvalidArgument // a usage error: the parameters
		}
		return nil, status.Errorf(code, "NodePublishVolume: cssfs mount exited (%v): %s", m.waitErr, m.stderr.tail())
	case <-ctx.Done():
		return nil, fail(status.FromContextError(ctx.Err()).Code(), "NodePublishVolume: the mount did not come up: %v; its log: %s", ctx.Err(), m.stderr.tail())
	}
	if p.readonly {
		if err := remountReadOnly(target); err != nil {
			return nil, fail(codes.Internal, "NodePublishVolume: %v", err)
		}
	}
	return m, nil
}

// supervise reaps a mount process. One that exits unasked leaves a dead
// mount behind: it is detached, so that the next publish can mount
// again, before done says the process is gone.
func (s *nodeServer) supervise(m *mountProc, target string) {
	m.waitErr = m.cmd.Wait()
	m.stderr.flush()
	select {
	case <-m.stopping:
		close(m.done)
		return
	default:
	}
	s.forget(target, m)
	s.mu.Lock()
	s.dead[target] = deadMount{m.pub.volumeID, fmt.Sprintf("cssfs mount exited (%v): %s", m.waitErr, m.stderr.tail())}
	s.mu.Unlock()
	if typ, _ := mounts.TypeAt(target); typ == fsType && isDead(target) {
		if err := unmount(target); err != nil {
			s.d.log.Error("could not detach the dead mount", "target", target, "err", err)
		}
	}
	close(m.done)
	s.d.log.Error("cssfs mount exited by itself; its mount is detached", "volume", m.pub.volumeID, "target", target, "err", m.waitErr, "log", m.stderr.tail())
}

// forget drops m from the running mounts, if it is still there.
func (s *nodeServer) forget(target string, m *mountProc) {
	s.mu.Lock()
	if s.mounts[target] == m {
		delete(s.mounts, target)
	}
	s.mu.Unlock()
}

// bury forgets that the process of target died: it is published anew,
// or unpublished.
func (s *nodeServer) bury(target string) {
	s.mu.Lock()
	delete(s.dead, target)
	s.mu.Unlock()
}

// stop has a mount process unmount and exit (SIGTERM), kills it if it
// has not within stopGrace, and detaches what it left mounted.
func (s *nodeServer) stop(m *mountProc, target string) {
	m.stopOnce.Do(func() { close(m.stopping) })
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(stopGrace):
		s.d.log.Warn("cssfs mount did not exit after SIGTERM; killing it", "target", target, "pid", m.cmd.Process.Pid)
		m.cmd.Process.Kill()
		<-m.done
	}
	if typ, _ := mounts.TypeAt(target); typ == fsType {
		if err := unmount(target); err != nil {
			s.d.log.Error("could not unmount", "target", target, "err", err)
		}
	}
}

func (s *nodeServer) NodeUnpublishVolume(_ context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, invalid("NodeUnpublishVolume: missing volume id")
	}
	if req.GetTargetPath() == "" {
		return nil, invalid("NodeUnpublishVolume: missing target path")
	}
	target := filepath.Clean(req.GetTargetPath())
	defer s.lock(target)()
	s.bury(target)
	if m := s.running(target); m != nil {
		s.stop(m, target)
		s.forget(target, m)
		s.d.log.Info("volume unmounted", "volume", m.pub.volumeID, "target", target)
	} else if typ, err := mounts.TypeAt(target); err != nil {
		return nil, status.Errorf(codes.Internal, "NodeUnpublishVolume: %v", err)
	} else if typ == fsType {
		// Left by an earlier driver.
		if err := unmount(target); err != nil {
			return nil, status.Errorf(codes.Internal, "NodeUnpublishVolume: %v", err)
		}
	} else if typ != "" {
		return nil, status.Errorf(codes.FailedPrecondition, "NodeUnpublishVolume: %s is a mountpoint of %s, not of this driver", target, typ)
	}
	// The spec: the driver removes the target it created.
	if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, status.Errorf(codes.Internal, "NodeUnpublishVolume: removing the target: %v", err)
	}
	return &csi.NodeUnpublishVolumeResponse{}, nil
}

// cleanStaleMounts unmounts the dead cssfs mounts under dir: after a
// driver restart, the mount processes of the earlier one are gone and
// their mounts answer ENOTCONN. The pod's next publish mounts again.
func (s *nodeServer) cleanStaleMounts(dir string) {
	all, err := mounts.List()
	if err != nil {
		s.d.log.Error("could not look for dead mounts", "err", err)
		return
	}
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	for _, m := range all {
		if m.Type != fsType || !strings.HasPrefix(m.Point, prefix) {
			continue
		}
		if !isDead(m.Point) {
			s.d.log.Info("left a live cssfs mount alone", "target", m.Point)
			continue
		}
		if err := unmount(m.Point); err != nil {
			s.d.log.Error("could not unmount a dead cssfs mount", "target", m.Point, "err", err)
			continue
		}
		s.d.log.Info("unmounted a dead cssfs mount of an earlier driver", "target", m.Point)
	}
}

// stopAll stops every mount process (the driver is shutting down).
func (s *nodeServer) stopAll() {
	s.mu.Lock()
	mounts := maps.Clone(s.mounts)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for target, m := range mounts {
		wg.Go(func() {
			defer s.lock(target)()
			if s.running(target) != m {
				return // unpublished meanwhile
			}
			s.stop(m, target)
			s.forget(target, m)
			s.d.log.Info("volume unmounted (driver stopping)", "volume", m.pub.volumeID, "target", target)
		})
	}
	wg.Wait()
	os.RemoveAll(s.runDir)
}

// childEnv is the driver's environment less what would change a mount:
// cssfs settings, and the notify socket and watchdog of the driver's own
// supervisor.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CSSFS_") || strings.HasPrefix(kv, "NOTIFY_SOCKET=") || strings.HasPrefix(kv, "WATCHDOG_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// NodeGetVolumeStats reports a published volume's statfs, and its
// condition: abnormal once its mount process has died (the pod must be
// restarted to mount it again).
func (s *nodeServer) NodeGetVolumeStats(_ context.Context, req *csi.NodeGetVolumeStatsRequest) (*csi.NodeGetVolumeStatsResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, invalid("NodeGetVolumeStats: missing volume id")
	}
	if req.GetVolumePath() == "" {
		return nil, invalid("NodeGetVolumeStats: missing volume path")
	}
	target := filepath.Clean(req.GetVolumePath())
	s.mu.Lock()
	m, dead := s.mounts[target], s.dead[target]
	s.mu.Unlock()
	switch {
	case m != nil && m.pub.volumeID == req.GetVolumeId():
		var st syscall.Statfs_t
		if err := syscall.Statfs(target, &st); err != nil {
			return &csi.NodeGetVolumeStatsResponse{VolumeCondition: &csi.VolumeCondition{Abnormal: true, Message: fmt.Sprintf("statfs: %v", err)}}, nil
		}
		bs := int64(st.Bsize)
		return &csi.NodeGetVolumeStatsResponse{
			Usage: []*csi.VolumeUsage{
				{Unit: csi.VolumeUsage_BYTES, Total: int64(st.Blocks) * bs, Available: int64(st.Bavail) * bs, Used: int64(st.Blocks-st.Bfree) * bs},
				{Unit: csi.VolumeUsage_INODES, Total: int64(st.Files), Available: int64(st.Ffree), Used: int64(st.Files - st.Ffree)},
			},
			VolumeCondition: &csi.VolumeCondition{Message: "mounted"},
		}, nil
	case dead.volumeID != "" && dead.volumeID == req.GetVolumeId():
		return &csi.NodeGetVolumeStatsResponse{VolumeCondition: &csi.VolumeCondition{Abnormal: true, Message: dead.reason + "; restart the pod to mount it again"}}, nil
	}
	return nil, status.Errorf(codes.NotFound, "NodeGetVolumeStats: volume %s is not published at %s", req.GetVolumeId(), target)
}
