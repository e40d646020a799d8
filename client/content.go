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
	if off < 0 {
		return 0, fmt.Errorf("css content: negative offset %d", off)
	}
	if id == "" {
		return 0, &APIError{Op: "content", Region: region, Err: ErrNotFound, detail: "empty object id"}
	}
	end := off + int64(len(p)) - 1
	cl := &call{
		op:     "content",
		region: region,
		id:     id,
		url:    c.storageURL(region, "objects/"+url.PathEscape(id)+"/content"),
		header: http.Header{
			"Range": {fmt.Sprintf("bytes=%d-%d", off, end)},
			// Transparent gzip would break byte offsets.
			"Accept-Encoding": {"identity"},
		},
		okStatus: []int{http.StatusOK, http.StatusPartialContent, http.StatusRequestedRangeNotSatisfiable},
	}
	cl.handle = func(resp *http.Response, body io.Reader) error {
		if enc := resp.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
			return c.apiErr(cl, resp.StatusCode, ErrBadResponse, "unexpected Content-Encoding "+strconv.Quote(enc))
		}
		switch resp.StatusCode {
		case http.StatusPartialContent:
			return c.readPartial(cl, resp, body, off, p)
		case http.StatusOK:
			c.rangeIgnore.Store(true)
			return c.readWhole(cl, resp, body, off, p, spill)
		default: // 416
			return c.apiErr(cl, resp.StatusCode, ErrBadResponse, "range not satisfiable: object shorter than its metadata says")
		}
	}
	if err := c.run(ctx, cl); err != nil {
		return 0, c.explainContentErr(ctx, region, id, err)
	}
	c.obs.ContentBytes(int64(len(p)))
	return len(p), nil
}

// readPartial checks a 206 answer carries exactly [off, off+len(p)).
func (c *Client) readPartial(cl *call, resp *http.Response, body io.Reader, off int64, p []byte) error {
	end := off + int64(len(p)) - 1
	start, last, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
	if !ok {
		return c.bodyErr(cl, resp.StatusCode, "missing or malformed Content-Range")
	}
	if total >= 0 && total <= end {
		return c.apiErr(cl, resp.StatusCode, ErrBadResponse,
			fmt.Sprintf("object has %d bytes, fewer than requested (%d)", total, end+1))
	}
	if start != off || last != end {
		return c.bodyErr(cl, resp.StatusCode, fmt.Sprintf("Content-Range %d-%d, want %d-%d", start, last, off, end))
	}
	if resp.ContentLength >= 0 && resp.ContentLength != int64(len(p)) {
		return c.bodyErr(cl, resp.StatusCode, fmt.Sprintf("Content-Length %d, want %d", resp.ContentLength, len(p)))
	}
	if _, err := io.ReadFull(body, p); err != nil {
		return c.readFailure(cl, resp, "short body", err)
	}
	var extra [1]byte
	if n, _ := body.Read(extra[:]); n > 0 {
		return c.bodyErr(cl, resp.StatusCode, "body longer than the requested range")
	}
	return nil
}

// readWhole handles a 200 answer to a Range request: the body is the whole
// object from offset 0.
func (c *Client) readWhole(cl *call, resp *http.Response, body io.Reader, off int64, p []byte, spill func(int64, []byte)) error {
	want := off + int64(len(p)) // body bytes needed
	if resp.ContentLength >= 0 && resp.ContentLength < want {
		// A whole, well-formed answer that says the object is shorter than
		// its metadata: asking again gets the same answer (like a 416).
		return c.apiErr(cl, resp.StatusCode, ErrBadResponse,
			fmt.Sprintf("whole body of %d bytes, need at least %d: object shorter than its metadata says", resp.ContentLength, want))
	}
	buf := make([]byte, streamChunk)
	var pos int64
	for {
		n, err := body.Read(buf)
		if n > 0 {
			deliver(buf[:n], pos, off, p, spill)
			pos += int64(n)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c.readFailure(cl, resp, "reading body", err)
		}
	}
	if pos < want {
		return c.bodyErr(cl, resp.StatusCode, fmt.Sprintf("body ended at %d, need %d", pos, want))
	}
	return nil
}

// deliver copies the part of chunk (at absolute offset pos) that falls in
// [off, off+len(p)) into p and hands the parts before and after to spill.
func deliver(chunk []byte, pos, off int64, p []byte, spill func(int64, []byte)) {
	end := off + int64(len(p))
	chunkEnd := pos + int64(len(chunk))
	lo, hi := max(pos, off), min(chunkEnd, end)
	if lo < hi {
		copy(p[lo-off:hi-off], chunk[lo-pos:hi-pos])
	}
	if spill == nil {
		return
	}
	if pos < off {
		spill(pos, chunk[:min(chunkEnd, off)-pos])
	}
	if chunkEnd > end {
		from := max(pos, end)
		spill(from, chunk[from-pos:])
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
