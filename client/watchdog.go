package client

import (
	"context"
	"io"
	"time"
)

// watchdog cancels an attempt when neither response headers nor body bytes
// arrive for d, so a stalled connection cannot hang a read forever.
type watchdog struct {
	t *time.Timer
	d time.Duration
}

func newWatchdog(d time.Duration, cancel context.CancelCauseFunc) *watchdog {
	return &watchdog{d: d, t: time.AfterFunc(d, func() { cancel(errStalled) })}
}

func (w *watchdog) stop() { w.t.Stop() }

// reader returns r with every successful read pushing the deadline back.
func (w *watchdog) reader(r io.Reader) io.Reader { return &progressReader{r: r, w: w} }

type progressReader struct {
	r io.Reader
	w *watchdog
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.w.t.Reset(p.w.d)
	}
	return n, err
}
