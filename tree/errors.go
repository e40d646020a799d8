package tree

import (
	"errors"

	"github.com/cssfs/cssfs/client"
)

// The kinds of error the tree's operations return, wrapped with what they
// concern. Front ends act on them with errors.Is: the mount maps each to
// an errno, cssfs ls/cat/get print them.
var (
	ErrNotFound        = errors.New("not found")
	ErrNotDir          = errors.New("not a directory")
	ErrIsDir           = errors.New("is a directory")
	ErrInvalidFilter   = errors.New("invalid filter expression")
	ErrNotReadable     = errors.New("not readable until restored") // archived, or otherwise not AVAILABLE
	ErrUnverifiable    = errors.New("no usable size, so no read of it could be checked")
	ErrAccessDenied    = errors.New("access refused by the storage service")
	ErrReadOnly        = errors.New("read-only")
	ErrNotPermitted    = errors.New("not permitted")
	ErrInvalidArgument = errors.New("invalid argument")
	ErrNotArchived     = errors.New("not archived, so there is nothing to restore")
)

// kindError gives an error from below the tree (the client, the block
// cache) one of the tree's kinds, keeping it as the cause and its message.
type kindError struct{ kind, cause error }

func (e *kindError) Error() string   { return e.cause.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.cause} }

// apiKinds are the client's errors that mean one of the tree's kinds.
var apiKinds = []struct{ api, kind error }{
	{client.ErrNotFound, ErrNotFound},
	{client.ErrInvalidFilter, ErrInvalidFilter},
	{client.ErrNotAvailable, ErrNotReadable},
	{client.ErrNotArchived, ErrNotArchived},
	{client.ErrAuth, ErrAccessDenied},
	{client.ErrForbidden, ErrAccessDenied},
}

// apiError gives an error from the client (or the block cache above it)
// its kind. Errors of no kind (throttling, exhausted retries, deadlines)
// pass unchanged.
func apiError(err error) error {
	for _, k := range apiKinds {
		if errors.Is(err, k.api) {
			return &kindError{kind: k.kind, cause: err}
		}
	}
	return err
}
