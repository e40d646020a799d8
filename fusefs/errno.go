//go:build !windows

package fusefs

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"github.com/cssfs/cssfs/tree"
)

// errnos maps the tree's errors to errno values, first match first. level
// says whether (and how loudly) the error is logged: most errors matter to
// no one but the caller, who gets the errno.
var errnos = []struct {
	kind  error
	errno syscall.Errno
	level slog.Level
	log   string
}{
	{context.Canceled, syscall.EINTR, noLog, ""},
	{tree.ErrNotFound, syscall.ENOENT, noLog, ""},
	{tree.ErrInvalidFilter, syscall.ENOENT, slog.LevelWarn, "invalid filter expression"},
	{tree.ErrNotDir, syscall.ENOTDIR, noLog, ""},
	{tree.ErrIsDir, syscall.EISDIR, noLog, ""},
	{tree.ErrNotReadable, syscall.EACCES, slog.LevelWarn, "object is not available for download (archived objects must be restored first)"},
	{tree.ErrAccessDenied, syscall.EACCES, slog.LevelError, "access refused by the storage service"},
	{tree.ErrReadOnly, syscall.EROFS, noLog, ""},
	{tree.ErrNotPermitted, syscall.EPERM, slog.LevelWarn, "operation not permitted"},
	{tree.ErrInvalidArgument, syscall.EINVAL, slog.LevelWarn, "invalid argument"},
	{tree.ErrNotArchived, syscall.EINVAL, slog.LevelWarn, "the object is not archived"},
}

// noLog marks errors that are not logged.
const noLog = slog.LevelDebug - 1

// toErrno is the one place where errors become errno values. Errors of no
// known kind (exhausted retries, deadlines, unusable objects) become EIO
// and are logged with their cause.
func toErrno(log *slog.Logger, op string, err error) syscall.Errno {
	if err == nil {
		return 0
	}
	for _, e := range errnos {
		if errors.Is(err, e.kind) {
			if e.level != noLog {
				log.Log(context.Background(), e.level, e.log, "op", op, "err", err)
			}
			return e.errno
		}
	}
	log.Error("operation failed", "op", op, "err", err)
	return syscall.EIO
}
