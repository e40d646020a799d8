package fs

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"github.com/cssfs/cssfs/client"
)

// toErrno is the one place where errors become errno values. Unknown
// errors are logged once here with their cause and become EIO.
func toErrno(log *slog.Logger, op string, err error) syscall.Errno {
	var errno syscall.Errno
	switch {
	case err == nil:
		return 0
	case errors.As(err, &errno):
		return errno
	case errors.Is(err, context.Canceled):
		return syscall.EINTR
	case errors.Is(err, client.ErrNotFound):
		return syscall.ENOENT
	case errors.Is(err, client.ErrNotAvailable):
		log.Warn("object is not available for download (archived objects must be restored first)", "op", op, "err", err)
		return syscall.EACCES
	case errors.Is(err, client.ErrAuth), errors.Is(err, client.ErrForbidden):
		log.Error("access refused by the storage service", "op", op, "err", err)
		return syscall.EACCES
	default:
		log.Error("operation failed", "op", op, "err", err)
		return syscall.EIO
	}
}
