package csi

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// childLog passes a mount process's log on, each line tagged with its
// volume (volume=ID in text, "volume":"ID" in JSON) so that the driver's
// log says which mount said what; it keeps the end of the log for the
// error of a mount that failed.
type childLog struct {
	mu      sync.Mutex
	out     io.Writer
	volume  string
	partial []byte // a line not ended yet
	tailBuf []byte
}

const (
	tailSize   = 4096     // how much of the log a failed publish returns
	maxPartial = 64 << 10 // a longer line is passed on in pieces
)

func newChildLog(out io.Writer, volume string) *childLog {
	return &childLog{out: out, volume: volume}
}

func (w *childLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tailBuf = append(w.tailBuf, p...)
	if len(w.tailBuf) > tailSize {
		w.tailBuf = w.tailBuf[len(w.tailBuf)-tailSize:]
	}
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.out.Write(w.tag(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > maxPartial {
		w.out.Write(w.tag(w.partial))
		w.partial = nil
	}
	return len(p), nil
}

// flush passes on a last line without its newline.
func (w *childLog) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.out.Write(w.tag(w.partial))
		w.partial = nil
	}
}

// tag adds the volume to one line, and the newline.
func (w *childLog) tag(line []byte) []byte {
	var b bytes.Buffer
	if len(line) >= 2 && line[0] == '{' && line[len(line)-1] == '}' {
		id, _ := json.Marshal(w.volume)
		b.WriteString(`{"volume":`)
		b.Write(id)
		if rest := bytes.TrimSpace(line[1:]); len(rest) > 1 {
			b.WriteByte(',')
		}
		b.Write(line[1:])
	} else {
		b.Write(line)
		b.WriteString(" volume=")
		b.WriteString(textValue(w.volume))
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// textValue quotes v as slog's text handler would, when it must.
func textValue(v string) string {
	if v == "" || strings.IndexFunc(v, func(r rune) bool { return r == '=' || r == '"' || unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(v)
	}
	return v
}

func (w *childLog) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSpace(string(w.tailBuf))
}
