//go:build windows || plan9

package logout

import (
	"errors"
	"io"
)

// SocketEnv names another socket than /dev/log for the system log (tests).
const SocketEnv = "CSSFS_SYSLOG_SOCKET"

// Syslog is not there on this system.
func Syslog(tag, socket string) (io.WriteCloser, error) {
	return nil, errors.New("no system log on this platform")
}
