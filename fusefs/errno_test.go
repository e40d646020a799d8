//go:build !windows

package fusefs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"

	"github.com/cssfs/cssfs/tree"
)

func TestToErrno(t *testing.T) {
	wrapped := func(kind error) error { return fmt.Errorf("/uk/x: listing: %w", kind) }
	cases := []struct {
		err   error
		errno syscall.Errno
		log   string // a line the log must hold ("" = nothing logged)
	}{
		{nil, 0, ""},
		{wrapped(tree.ErrNotFound), syscall.ENOENT, ""},
		{wrapped(tree.ErrInvalidFilter), syscall.ENOENT, "invalid filter expression"},
		{wrapped(tree.ErrNotDir), syscall.ENOTDIR, ""},
		{wrapped(tree.ErrIsDir), syscall.EISDIR, ""},
		{wrapped(tree.ErrNotReadable), syscall.EACCES, "archived objects must be restored first"},
		{wrapped(tree.ErrAccessDenied), syscall.EACCES, "access refused"},
		{wrapped(tree.ErrReadOnly), syscall.EROFS, ""},
		{wrapped(tree.ErrNotPermitted), syscall.EPERM, "not permitted"},
		{wrapped(tree.ErrInvalidArgument), syscall.EINVAL, "invalid argument"},
		{wrapped(tree.ErrNotArchived), syscall.EINVAL, "not archived"},
		{wrapped(tree.ErrUnverifiable), syscall.EIO, "operation failed"},
		{fmt.Errorf("read: %w", context.Canceled), syscall.EINTR, ""},
		{fmt.Errorf("read: %w", context.DeadlineExceeded), syscall.EIO, "operation failed"},
		{errors.New("css search: HTTP 503"), syscall.EIO, "operation failed"},
	}
	for _, c := range cases {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		if got := toErrno(log, "lookup", c.err); got != c.errno {
			t.Errorf("toErrno(%v) = %v, want %v", c.err, got, c.errno)
		}
		switch {
		case c.log == "" && logs.Len() > 0:
			t.Errorf("toErrno(%v) logged %q", c.err, logs.String())
		case c.log != "" && !strings.Contains(logs.String(), c.log):
			t.Errorf("toErrno(%v) logged %q, want a line with %q", c.err, logs.String(), c.log)
		case c.log != "" && !strings.Contains(logs.String(), c.err.Error()):
			t.Errorf("toErrno(%v) logged %q, without the error", c.err, logs.String())
		}
	}
}
