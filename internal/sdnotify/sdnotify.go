// Package sdnotify tells systemd how a Type=notify service is doing, over
// the datagram socket named by $NOTIFY_SOCKET (sd_notify(3)).
package sdnotify

import (
	"fmt"
	"net"
	"os"
)

// Ready, Stopping are the states cssfs reports.
const (
	Ready    = "READY=1"
	Stopping = "STOPPING=1"
)

// Notify sends state to systemd; without $NOTIFY_SOCKET (not started by
// systemd as Type=notify) it does nothing.
func Notify(state string) error {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return nil
	}
	if name[0] == '@' { // an abstract socket
		name = "\x00" + name[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify %s: %w", state, err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify %s: %w", state, err)
	}
	return nil
}
