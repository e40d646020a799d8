//go:build !windows && !plan9

package logout

import (
	"fmt"
	"io"
	"log/syslog"
)

// SocketEnv names another socket than /dev/log for the system log (tests).
const SocketEnv = "CSSFS_SYSLOG_SOCKET"

// Syslog connects to the system log (journald listens on /dev/log too)
// at socket, or at the usual places when socket is "". Each line written
// is one message, from tag, facility daemon.
func Syslog(tag, socket string) (io.WriteCloser, error) {
	network := ""
	if socket != "" {
		network = "unixgram"
	}
	w, err := syslog.Dial(network, socket, syslog.LOG_INFO|syslog.LOG_DAEMON, tag)
	if err != nil {
		return nil, fmt.Errorf("connecting to the system log: %w", err)
	}
	return w, nil
}
