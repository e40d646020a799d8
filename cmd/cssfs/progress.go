package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws the bar of cssfs get: total, percentage, rate and ETA,
// redrawn in place. It draws only on a terminal: into a file or a pipe it
// would be noise, and the summary line says what happened.
type progress struct {
	w                io.Writer
	on               bool
	start, last      time.Time
	files, filesDone int
	total, bytes     int64
	current          string
}

func newProgress(w io.Writer, quiet bool, files int, total int64) *progress {
	on := false
	if f, ok := w.(*os.File); ok && !quiet {
		on = term.IsTerminal(int(f.Fd()))
	}
	p := &progress{w: w, on: on, start: time.Now(), files: files, total: total}
	p.draw(true)
	return p
}

func (p *progress) counting(r io.Reader, name string) io.Reader {
	p.current = name
	return readerFunc(func(b []byte) (int, error) {
		n, err := r.Read(b)
		p.bytes += int64(n)
		p.draw(false)
		return n, err
	})
}

func (p *progress) fileDone() { p.filesDone++ }

// barWidth is the bar's length in cells.
const barWidth = 24

// line is the progress line after elapsed.
func (p *progress) line(elapsed time.Duration) string {
	frac := 1.0
	if p.total > 0 {
		frac = min(float64(p.bytes)/float64(p.total), 1)
	}
	fill := int(frac * barWidth)
	rate := float64(p.bytes) / max(elapsed.Seconds(), 1e-3)
	eta := "--"
	if rate > 0 && p.bytes > 0 {
		eta = time.Duration(float64(p.total-p.bytes) / rate * float64(time.Second)).Round(time.Second).String()
	}
	name := p.current
	if len(name) > 30 {
		name = "…" + name[len(name)-29:]
	}
	return fmt.Sprintf("[%s%s] %3.0f%%  %s / %s  %s/s  ETA %s  %d/%d files  %s",
		strings.Repeat("=", fill), strings.Repeat(" ", barWidth-fill), frac*100,
		humanBytes(p.bytes), humanBytes(p.total), humanBytes(int64(rate)), eta, p.filesDone, p.files, name)
}

func (p *progress) draw(force bool) {
	if !p.on || (!force && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[K%s", p.line(time.Since(p.start)))
}

// note prints a message above the progress line.
func (p *progress) note(msg string) {
	if p.on {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintln(p.w, msg)
	p.draw(true)
}

func (p *progress) finish() {
	if p.on {
		p.draw(true)
		fmt.Fprintln(p.w)
	}
}
