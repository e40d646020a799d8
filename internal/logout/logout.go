// Package logout holds where cssfs's log lines go: a file that can be
// reopened after logrotate moved it, the system log for a mount running in
// the background, and a switch between them.
package logout

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// File appends to a file that Reopen opens again by name, so that a
// rotated log (renamed by logrotate) is left behind and a new one begun.
type File struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// OpenFile opens (or creates, mode 0600) path for appending.
func OpenFile(path string) (*File, error) {
	lf := &File{path: path}
	if err := lf.Reopen(); err != nil {
		return nil, err
	}
	return lf, nil
}

// Reopen closes the file and opens path again.
func (lf *File) Reopen() error {
	f, err := os.OpenFile(lf.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening %s: %w", lf.path, err)
	}
	lf.mu.Lock()
	old := lf.f
	lf.f = f
	lf.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// Path is the file's name.
func (lf *File) Path() string { return lf.path }

// Fd is the open file's descriptor (for handing it to standard error).
func (lf *File) Fd() uintptr {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	return lf.f.Fd()
}

func (lf *File) Write(p []byte) (int, error) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	return lf.f.Write(p)
}

// Close closes the file.
func (lf *File) Close() error {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	return lf.f.Close()
}

// Switch is a writer whose destination can change while loggers hold it:
// a daemon logs to the terminal until it is ready, then to the system log.
type Switch struct {
	mu sync.Mutex
	w  io.Writer
}

// NewSwitch writes to w until Set says otherwise.
func NewSwitch(w io.Writer) *Switch { return &Switch{w: w} }

// Set sends what follows to w.
func (s *Switch) Set(w io.Writer) {
	s.mu.Lock()
	s.w = w
	s.mu.Unlock()
}

func (s *Switch) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
