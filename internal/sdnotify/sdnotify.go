// Package sdnotify tells systemd how a Type=notify service is doing, over
// the datagram socket named by $NOTIFY_SOCKET (sd_notify(3)).
package sdnotify

import (
	"fmt"
	"math"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
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

// Watchdog is what a service sends to show systemd it is alive.
const Watchdog = "WATCHDOG=1"

// WatchdogInterval is how often systemd wants to hear Watchdog (the unit's
// WatchdogSec=), from $WATCHDOG_USEC: 0 when it wants nothing, or when
// $WATCHDOG_PID names another process (the variables were inherited).
func WatchdogInterval() (time.Duration, error) {
	usec := os.Getenv("WATCHDOG_USEC")
	if usec == "" {
		return 0, nil
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, nil
	}
	n, err := strconv.ParseUint(usec, 10, 63)
	if err != nil || n == 0 || n > uint64(math.MaxInt64/int64(time.Microsecond)) {
		return 0, fmt.Errorf("WATCHDOG_USEC=%q: not a number of microseconds", usec)
	}
	return time.Duration(n) * time.Microsecond, nil
}

// StartWatchdog sends Watchdog at half of interval (as sd_watchdog_enabled(3)
// advises) until stop is called, telling onError of each failure.
// An interval of 0 starts nothing.
func StartWatchdog(interval time.Duration, onError func(error)) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(interval / 2)
		defer tick.Stop()
		for {
			if err := Notify(Watchdog); err != nil {
				onError(err)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		<-finished
	}
}
