//go:build !windows

package fusefs

import (
	"fmt"
	"log/slog"
	"os"
	"syscall"
)

// readAheadKB is the kernel readahead we ask for on the mount's backing
// device. The kernel's 128 KiB default keeps FUSE reads small and serial;
// 4 MiB lets sequential reads arrive as 1 MiB requests with several in flight.
const readAheadKB = 4096

// raiseReadAhead writes the mount's bdi read_ahead_kb (root only). Failure
// only costs speed, so it is logged, not returned.
func raiseReadAhead(dir string, log *slog.Logger) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		log.Debug("read_ahead_kb: stat mountpoint", "err", err)
		return
	}
	major, minor := (st.Dev>>8)&0xfff, (st.Dev&0xff)|((st.Dev>>12)&0xfff00)
	p := fmt.Sprintf("/sys/class/bdi/%d:%d/read_ahead_kb", major, minor)
	if err := os.WriteFile(p, []byte(fmt.Sprint(readAheadKB)), 0o644); err != nil {
		log.Debug("read_ahead_kb: not raised (needs root)", "path", p, "err", err)
	}
}
