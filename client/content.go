package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// streamChunk is how much of a whole-object (200) body is held at a time.
const streamChunk = 64 << 10

// ReadRange reads exactly len(p) bytes of object id starting at off into p.
// The caller clamps the range to the object's size. It sends a Range header;
// a 206 must carry exactly the requested range. If the server ignores Range
// and sends the whole object (200), the requested part still lands in p and
// every other byte of the body is passed to spill (if non-nil) with its
// absolute offset, in chunks whose buffer is reused after spill returns (copy
// to keep). Spill may be called again for the same offsets if an attempt is
// retried, and may see bytes past the object's end if the server sends more
// than storedBytes. Short, long or mislabelled bodies are retried and never
// returned as data: on error n is 0.
func (c *Client) ReadRange(ctx context.Context, region, id string, off int64, p []byte, spill func(off int64, b []byte)) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	// The body is read straight into p; only a whole-object answer's
	// bytes come through a buffer of their own and are copied.
	into := func(at int64) []byte { return p[at-off:] }
	err := c.StreamRangeInto(ctx, region, id, off, int64(len(p)), into, func(at int64, b []byte) {
		if &b[0] != &p[at-off] {
			copy(p[at-off:], b)
		}
	}, spill)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// StreamRange reads bytes [off, off+n) of object id with one request (more
// only when an attempt fails) and hands them to sink as they arrive: in
// order, each byte exactly once, in chunks whose buffer is reused after
// sink returns. A body cut short is resumed where it stopped with a new
// Range. Bytes reach sink only from an answer whose labels (status,
// Content-Range, Content-Length) say they are the right ones, and the last
// chunk only once the body is known to end where it should, so a body
// longer than asked delivers nothing past its check. When the server
// ignores Range (200), bytes outside the range go to spill as in ReadRange.
// On error, sink may have had a prefix of the range.
func (c *Client) StreamRange(ctx context.Context, region, id string, off, n int64, sink, spill func(off int64, b []byte)) error {
	return c.StreamRangeInto(ctx, region, id, off, n, nil, sink, spill)
}

// StreamRangeInto is StreamRange reading a ranged (206) body straight into
// the caller's memory, saving a copy per byte: into(pos) returns the
// non-empty buffer where the bytes from pos belong, and sink is then handed
// a filled prefix of that same buffer (sink can tell by its address). The
// buffer may hold bytes that never reach sink (an attempt that failed);
// they are written again by the retry. Bytes of a whole-object (200) answer
// still come through a buffer of the client's own, which is reused after
// sink returns. into may be nil: every chunk then comes through that buffer.
func (c *Client) StreamRangeInto(ctx context.Context, region, id string, off, n int64, into func(pos int64) []byte, sink, spill func(off int64, b []byte)) error {
	if n <= 0 {
		return nil
	}
	if off < 0 {
		return fmt.Errorf("css content: negative offset %d", off)
	}
	if id == "" {
		return &APIError{Op: "content", Region: region, Err: ErrNotFound, detail: "empty object id"}
	}
	end := off + n // exclusive
	s := &rangeStream{c: c, off: off, pos: off, end: end, into: into, sink: sink, spill: spill}
	cl := &call{
		op:     "content",
		region: region,
		id:     id,
		url:    c.storageURL(region, "objects/"+url.PathEscape(id)+"/content"),
		header: http.Header{
			"Range": {rangeHeader(off, end)},
			// Transparent gzip would break byte offsets.
			"Accept-Encoding": {"identity"},
		},
		okStatus: []int{http.StatusOK, http.StatusPartialContent, http.StatusRequestedRangeNotSatisfiable},
	}
	s.cl = cl
	cl.handle = func(resp *http.Response, body io.Reader) error {
		err := s.handle(resp, body)
		// A retry asks only for what is still missing.
		cl.header["Range"] = []string{rangeHeader(s.pos, end)}
		return err
	}
	if err := c.run(ctx, cl); err != nil {
		return c.explainContentErr(ctx, region, id, err)
	}
	c.obs.ContentBytes(n)
	return nil
}

func rangeHeader(from, end int64) string { return fmt.Sprintf("bytes=%d-%d", from, end-1) }

// rangeStream is one StreamRange across its attempts: pos is the next byte
// sink wants.
type rangeStream struct {
	c             *Client
	cl            *call
	off, pos, end int64
	into          func(int64) []byte // where the next bytes go; nil for buf
	sink, spill   func(int64, []byte)
	buf           []byte
}

func (s *rangeStream) handle(resp *http.Response, body io.Reader) error {
	c, cl := s.c, s.cl
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return c.apiErr(cl, resp.StatusCode, ErrBadResponse, "unexpected Content-Encoding "+strconv.Quote(enc))
	}
	if s.buf == nil && (s.into == nil || resp.StatusCode != http.StatusPartialContent) {
		s.buf = make([]byte, streamChunk)
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		return s.partial(resp, body)
	case http.StatusOK:
		c.rangeIgnore.Store(true)
		return s.whole(resp, body)
	default: // 416
		return c.apiErr(cl, resp.StatusCode, ErrBadResponse, "range not satisfiable: object shorter than its metadata says")
	}
}

// partial checks a 206 answer carries exactly [pos, end), then streams it.
func (s *rangeStream) partial(resp *http.Response, body io.Reader) error {
	c, cl := s.c, s.cl
	start, last, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
	if !ok {
		return c.bodyErr(cl, resp.StatusCode, "missing or malformed Content-Range")
	}
	if total >= 0 && total < s.end {
		return c.apiErr(cl, resp.StatusCode, ErrBadResponse,
			fmt.Sprintf("object has %d bytes, fewer than requested (%d)", total, s.end))
	}
	if start != s.pos || last != s.end-1 {
		return c.bodyErr(cl, resp.StatusCode, fmt.Sprintf("Content-Range %d-%d, want %d-%d", start, last, s.pos, s.end-1))
	}
	if resp.ContentLength >= 0 && resp.ContentLength != s.end-s.pos {
		return c.bodyErr(cl, resp.StatusCode, fmt.Sprintf("Content-Length %d, want %d", resp.ContentLength, s.end-s.pos))
	}
	for s.pos < s.end {
		dst := s.buf
		if s.into != nil {
			if dst = s.into(s.pos); len(dst) == 0 {
				return fmt.Errorf("css content: no buffer for the bytes at %d", s.pos)
			}
		}
		k, err := io.ReadFull(body, dst[:min(int64(len(dst)), s.end-s.pos)])
		if err != nil {
			return c.readFailure(cl, resp, "short body", err)
		}
		if s.pos+int64(k) == s.end {
			var extra [1]byte
			if n, _ := body.Read(extra[:]); n > 0 {
				return c.bodyErr(cl, resp.StatusCode, "body longer than the requested range")
			}
		}
		s.sink(s.pos, dst[:k])
		s.pos += int64(k)
	}
	return nil
}

// whole handles a 200 answer to a Range request: the body is the whole
// object from offset 0. What sink already has is skipped, the rest of the
// range goes to sink and every other byte to spill.
func (s *rangeStream) whole(resp *http.Response, body io.Reader) error {
	c, cl := s.c, s.cl
	if resp.ContentLength >= 0 && resp.ContentLength < s.end {
		// A whole, well-formed answer that says the object is shorter than
		// its metadata: asking again gets the same answer (like a 416).
		return c.apiErr(cl, resp.StatusCode, ErrBadResponse,
			fmt.Sprintf("whole body of %d bytes, need at least %d: object shorter than its metadata says", resp.ContentLength, s.end))
	}
	var at int64 // body offset of the next chunk
	for {
		k, err := body.Read(s.buf)
		if k > 0 {
			s.deliver(s.buf[:k], at)
			at += int64(k)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c.readFailure(cl, resp, "reading body", err)
		}
	}
	if at < s.end {
		return c.bodyErr(cl, resp.StatusCode, fmt.Sprintf("body ended at %d, need %d", at, s.end))
	}
	return nil
}

// deliver splits chunk (at body offset at) between sink, for the part of
// [pos, end) it holds, and spill, for what lies outside [off, end).
func (s *rangeStream) deliver(chunk []byte, at int64) {
	chunkEnd := at + int64(len(chunk))
	if lo, hi := max(at, s.pos), min(chunkEnd, s.end); lo < hi && lo == s.pos {
		s.sink(lo, chunk[lo-at:hi-at])
		s.pos = hi
	}
	if s.spill == nil {
		return
	}
	if at < s.off {
		s.spill(at, chunk[:min(chunkEnd, s.off)-at])
	}
	if chunkEnd > s.end {
		from := max(at, s.end)
		s.spill(from, chunk[from-at:])
	}
}

// readFailure classifies a body read error: cancellation passes through,
// anything else (reset, unexpected EOF) is a retryable bad response.
func (c *Client) readFailure(cl *call, resp *http.Response, what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return c.bodyErr(cl, resp.StatusCode, what+": "+err.Error())
}

// parseContentRange parses "bytes start-end/total" (total may be "*" → -1).
func parseContentRange(h string) (start, end, total int64, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(h), "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err error
	if start, err = strconv.ParseInt(a, 10, 64); err != nil || start < 0 {
		return 0, 0, 0, false
	}
	if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
		return 0, 0, 0, false
	}
	total = -1
	if size != "*" {
		if total, err = strconv.ParseInt(size, 10, 64); err != nil || total < 0 {
			return 0, 0, 0, false
		}
	}
	return start, end, total, true
}

// explainContentErr turns a 403/404/409/410 on /content into ErrNotAvailable
// when the object exists but is not AVAILABLE (e.g. ARCHIVED): the status a
// real server uses for that case is unknown (reference §4.5).
func (c *Client) explainContentErr(ctx context.Context, region, id string, err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Status {
	case http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusGone:
	default:
		return err
	}
	obj, merr := c.Object(ctx, region, id)
	switch {
	case errors.Is(merr, ErrNotFound):
		return &APIError{Op: ae.Op, Region: region, ObjectID: id, Status: ae.Status, Body: ae.Body, Err: ErrNotFound, detail: "object does not exist"}
	case merr != nil:
		return err
	case obj.ObjectState != "" && !strings.EqualFold(obj.ObjectState, "AVAILABLE"):
		return &APIError{Op: ae.Op, Region: region, ObjectID: id, Status: ae.Status, Body: ae.Body, Err: ErrNotAvailable, detail: "object state " + obj.ObjectState}
	case ae.Status == http.StatusConflict:
		return &APIError{Op: ae.Op, Region: region, ObjectID: id, Status: ae.Status, Body: ae.Body, Err: ErrNotAvailable, detail: ae.detail}
	case ae.Status == http.StatusGone:
		return &APIError{Op: ae.Op, Region: region, ObjectID: id, Status: ae.Status, Body: ae.Body, Err: ErrNotFound, detail: ae.detail}
	}
	return err
}
