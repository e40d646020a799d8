package client

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors; every error the client returns for a server answer wraps one
// of these (via *APIError) so callers can map them with errors.Is.
var (
	ErrNotFound     = errors.New("css: not found")
	ErrAuth         = errors.New("css: authentication failed")
	ErrForbidden    = errors.New("css: access forbidden")
	ErrNotAvailable = errors.New("css: object content not available (not in AVAILABLE state)")
	ErrThrottled    = errors.New("css: throttled by the API gateway")
	ErrBadResponse  = errors.New("css: bad response from server")
	ErrInsecureURL  = errors.New("css: refusing plain http:// to a non-loopback host")
)

// maxBodyExcerpt bounds APIError.Body.
const maxBodyExcerpt = 256

// APIError describes a failed CSS call. Err is one of the sentinels above, or
// nil for statuses without one (other 4xx, exhausted 5xx).
type APIError struct {
	Op       string // "token", "regions", "search", "object", "content"
	Region   string
	ObjectID string
	Status   int    // HTTP status; 0 when no usable response arrived
	Body     string // scrubbed excerpt of a body whose shape is unknown, at most 256 bytes
	Code     string // error code the body carried (Apigee errorcode, ErrorCode, S3 Code)
	Message  string // message the body carried (faultstring, Error, message, S3 Message)
	Err      error

	detail string // what went wrong beyond the status (e.g. "body ended early")
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("css ")
	b.WriteString(e.Op)
	if e.Region != "" {
		b.WriteString(" region=")
		b.WriteString(e.Region)
	}
	if e.ObjectID != "" {
		b.WriteString(" object=")
		b.WriteString(strconv.Quote(e.ObjectID))
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.detail != "" {
		b.WriteString(": ")
		b.WriteString(e.detail)
	}
	switch {
	case e.Code != "" || e.Message != "":
		said := strings.Join(slices.DeleteFunc([]string{e.Code, e.Message}, func(s string) bool { return s == "" }), ": ")
		if hint := e.Hint(); hint != "" {
			said = hint + " (" + said + ")"
		}
		b.WriteString(": ")
		b.WriteString(said)
	case e.Body != "":
		b.WriteString(": body: ")
		b.WriteString(strconv.Quote(e.Body))
	}
	return b.String()
}

// Hint says in plain words what the error code the service sent means for
// the user ("the API key lacks the storage product"), or "" if unknown.
func (e *APIError) Hint() string { return codeHints[e.Code] }

func (e *APIError) Unwrap() error { return e.Err }

// retryable marks an attempt's failure as worth another attempt; err is what
// the caller gets if no attempts remain.
type retryable struct {
	err        error
	retryAfter time.Duration
	hasAfter   bool
	throttled  bool // the gateway throttled us: back off longer than for a failure
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// unauthorized marks a 401 from a storage call: the token is refreshed once
// and the call repeated before err (wrapping ErrAuth) is returned.
type unauthorized struct{ err error }

func (u *unauthorized) Error() string { return u.err.Error() }
func (u *unauthorized) Unwrap() error { return u.err }

// excerpt cuts a body to maxBodyExcerpt bytes on a rune boundary, after scrubbing.
func excerpt(s *scrubber, body []byte) string {
	t := s.scrub(string(body))
	if len(t) <= maxBodyExcerpt {
		return t
	}
	cut := maxBodyExcerpt
	for cut > 0 && !utf8.RuneStart(t[cut]) {
		cut--
	}
	return t[:cut]
}
