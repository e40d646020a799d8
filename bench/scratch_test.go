package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cssfs/cssfs/internal/mounttest"
)

func BenchmarkScratchLs(b *testing.B) {
	emu := newEmulator(b)
	objs := addObjects(emu, "callcenterrecording", 10_000, 20_000)
	m := mounttest.Start(b, binPath, emu, profile("scratch")...)
	defer m.Stop()
	dir := filepath.Dir(path(m, objs[0]))
	if _, err := os.Stat(dir); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		m.Cmd.Process.Signal(syscall.SIGHUP)
		m.Log.WaitFor("every directory listing dropped", 10*time.Second)
		emu.ResetCounts()
		start := time.Now()
		out, err := exec.Command("strace", "-r", "-e", "trace=getdents64,openat,lgetxattr,getxattr,write", "-o", "/tmp/ls.trace", "ls", "-l", dir).CombinedOutput()
		b.Logf("ls %v, %d searches %v", time.Since(start), emu.Count("search"), err)
		_ = out
		start = time.Now()
		exec.Command("ls", "-l", dir).Run()
		b.Logf("second ls %v", time.Since(start))
	}
}
