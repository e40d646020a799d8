package client

import (
	"errors"
	"net/http"
)

// More sentinels, for answers whose meaning depends on the call: callers
// test them with errors.Is and never look at status codes themselves.
var (
	// ErrInvalidFilter: the service refused a search, which for the
	// searches cssfs builds means its FIQL filter (reference §5: 400 or 405).
	ErrInvalidFilter = errors.New("css: invalid filter expression")
	// ErrNotArchived: a restore was refused because the object is not
	// ARCHIVED (reference §4.6 leaves the status open: 400 or 405).
	ErrNotArchived = errors.New("css: object is not archived")
	// ErrNoCredentials: New was given no key or no secret.
	ErrNoCredentials = errors.New("css: key and secret are required")
)

// refused gives a final 4xx answer that has no sentinel of its own (400,
// 405, 409, 422, ...) the meaning kind, which depends on the call that got
// it. Other errors pass unchanged.
func refused(err, kind error) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Err == nil && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusRequestTimeout {
		ae.Err = kind // the error was made by this call; nobody else holds it
	}
	return err
}
