package sdnotify

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"
)

// Listener is the receiving end of a notify socket, as systemd holds it:
// the CSI driver waits on one for each mount process it starts.
type Listener struct {
	Path string
	conn *net.UnixConn
}

// Listen makes a notify socket at path, for a child's NOTIFY_SOCKET.
func Listen(path string) (*Listener, error) {
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	return &Listener{Path: path, conn: conn}, nil
}

// Next returns the next message, waiting until deadline (for ever if zero).
func (l *Listener) Next(deadline time.Time) (string, error) {
	if err := l.conn.SetReadDeadline(deadline); err != nil {
		return "", fmt.Errorf("notify socket: %w", err)
	}
	buf := make([]byte, 4096)
	n, err := l.conn.Read(buf)
	if err != nil {
		return "", fmt.Errorf("notify socket: %w", err)
	}
	return string(buf[:n]), nil
}

// WaitFor returns once a message holds state as one of its lines (one
// message may say several things, a line each).
func (l *Listener) WaitFor(state string, deadline time.Time) error {
	for {
		msg, err := l.Next(deadline)
		if err != nil {
			return err
		}
		if slices.Contains(strings.Split(msg, "\n"), state) {
			return nil
		}
	}
}

// Close closes the socket and removes its file.
func (l *Listener) Close() error {
	err := l.conn.Close()
	os.Remove(l.Path)
	return err
}
