//go:build !windows

package fusefs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// AuditLog records every open of an object, one JSON line each, for
// call-recording access rules. The file is created 0600 and opened for
// appending; lines are written whole under a lock.
type AuditLog struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// OpenAuditLog opens (or creates, mode 0600) the audit log at path. An
// existing file that others may read is refused.
func OpenAuditLog(path string) (*AuditLog, error) {
	f, err := openAudit(path)
	if err != nil {
		return nil, err
	}
	return &AuditLog{path: path, f: f}, nil
}

// Reopen opens the log again by name, after logrotate renamed it.
func (a *AuditLog) Reopen() error {
	f, err := openAudit(a.path)
	if err != nil {
		return err
	}
	a.mu.Lock()
	old := a.f
	a.f = f
	a.mu.Unlock()
	return old.Close()
}

func openAudit(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		f.Close()
		return nil, fmt.Errorf("audit log %s has mode %04o; it must be 0600 (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	return f, nil
}

// Close closes the log file.
func (a *AuditLog) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.f.Close()
}

// auditRecord is one line of the audit log.
type auditRecord struct {
	Time     string `json:"time"`
	Event    string `json:"event"`
	UID      uint32 `json:"uid"`
	PID      uint32 `json:"pid"`
	Region   string `json:"region"`
	ObjectID string `json:"objectId"`
	Path     string `json:"path"`
}

// opened records that the caller behind ctx opened an object.
func (a *AuditLog) opened(ctx context.Context, region, id, path string) error {
	if a == nil {
		return nil
	}
	rec := auditRecord{Time: time.Now().UTC().Format(time.RFC3339Nano), Event: "open", Region: region, ObjectID: id, Path: path}
	if c, ok := ctx.(*fuse.Context); ok {
		rec.UID, rec.PID = c.Caller.Uid, c.Caller.Pid
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}
