package sdnotify

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// listen points NOTIFY_SOCKET at a socket of the test's.
func listen(t *testing.T) *Listener {
	l, err := Listen(filepath.Join(t.TempDir(), "notify"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	t.Setenv("NOTIFY_SOCKET", l.Path)
	return l
}

func TestNotify(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if err := Notify(Ready); err != nil {
		t.Fatalf("without NOTIFY_SOCKET: %v", err)
	}
	l := listen(t)
	if err := Notify(Ready); err != nil {
		t.Fatal(err)
	}
	if msg, err := l.Next(time.Now().Add(10 * time.Second)); err != nil || msg != "READY=1" {
		t.Fatalf("got %q %v", msg, err)
	}
}

func TestWatchdogInterval(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	for _, tc := range []struct {
		usec, pid string
		want      time.Duration
		bad       bool
	}{
		{"", "", 0, false},
		{"30000000", "", 30 * time.Second, false},
		{"30000000", pid, 30 * time.Second, false},
		{"30000000", "1", 0, false}, // meant for another process
		{"0", "", 0, true},
		{"-5", "", 0, true},
		{"30s", "", 0, true},
		{"99999999999999999999", "", 0, true},
	} {
		t.Setenv("WATCHDOG_USEC", tc.usec)
		t.Setenv("WATCHDOG_PID", tc.pid)
		got, err := WatchdogInterval()
		if got != tc.want || (err != nil) != tc.bad {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: %v, %v; want %v, error %v", tc.usec, tc.pid, got, err, tc.want, tc.bad)
		}
	}
}

// The watchdog pings at half the interval, and not after stop returns.
func TestStartWatchdog(t *testing.T) {
	l := listen(t)
	const interval = 40 * time.Millisecond
	start := time.Now()
	stop := StartWatchdog(interval, func(err error) { t.Errorf("watchdog: %v", err) })
	for i := range 3 {
		if msg, err := l.Next(time.Now().Add(10 * time.Second)); err != nil || msg != Watchdog {
			t.Fatalf("ping %d: %q, %v", i, msg, err)
		}
	}
	// The first ping is at once, the third after two half intervals.
	if elapsed := time.Since(start); elapsed < interval {
		t.Errorf("3 pings in %v: faster than one every %v", elapsed, interval/2)
	}
	stop()
	for { // drain what was sent before stop returned: it is queued already
		if _, err := l.Next(time.Now().Add(time.Millisecond)); err != nil {
			break
		}
	}
	if msg, err := l.Next(time.Now().Add(3 * interval)); err == nil {
		t.Errorf("%q after stop", msg)
	}
	stop() // twice is harmless
	if StartWatchdog(0, nil) == nil {
		t.Error("no stop func for a zero interval")
	}
}
