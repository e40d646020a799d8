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

// maxLimit is the documented largest page size.
const maxLimit = 100

// Query selects and orders search results.
type Query struct {
	Filter        string // FIQL (see fiql.go); empty = all AVAILABLE objects
	SortField     string
	SortDirection string // "ASC" or "DESC"
	Limit         int    // 1..100; 0 = 100; larger values are clamped to 100
	AtMost        int    // List only: > 0 gives up with ErrTooMany past this many objects
}

// firstPageKey asks for the first page: the documented start (reference §6).
// Servers that count pages or hand out tokens take it as "from the start" too.
const firstPageKey = "0"

// SearchPage fetches one page of results. pageKey is firstPageKey or a
// NextKey the server returned (or, once List has confirmed offsets, a
// computed record offset).
func (c *Client) SearchPage(ctx context.Context, region string, q Query, pageKey string) (*Page, error) {
	limit := q.Limit
	switch {
	case limit == 0 || limit > maxLimit:
		limit = maxLimit
	case limit < 0:
		return nil, fmt.Errorf("css search: invalid limit %d", q.Limit)
	}
	if pageKey == "" {
		return nil, errors.New("css search: empty pageKey")
	}
	v := url.Values{}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.SortField != "" {
		v.Set("sortField", q.SortField)
	}
	if q.SortDirection != "" {
		v.Set("sortDirection", q.SortDirection)
	}
	v.Set("pageKey", pageKey)
	v.Set("limit", strconv.Itoa(limit))

	var page *Page
	cl := &call{
		op:     "search",
		region: region,
		url:    c.storageURL(region, "objects") + "?" + encodeQuery(v),
		header: jsonHeaders(),
	}
	cl.handle = func(resp *http.Response, body io.Reader) error {
		data, err := c.readJSON(cl, resp, body)
		if err != nil {
			return err
		}
		p, err := decodePage(data, limit)
		if err != nil {
			return c.bodyErr(cl, resp.StatusCode, "decoding page: "+err.Error())
		}
		c.checkObjects(ctx, region, p.Objects)
		page = p
		return nil
	}
	if err := c.run(ctx, cl); err != nil {
		return nil, refused(err, ErrInvalidFilter)
	}
	return page, nil
}

// First returns the first object matching q (a cheap limit=1 probe). A
// first page that is empty but not the last is followed, like any listing,
// so that a server which pages by token cannot make a level look empty.
func (c *Client) First(ctx context.Context, region string, q Query) (Object, bool, error) {
	q.Limit = 1
	w := c.newWalk(region, q)
	key := firstPageKey
	for {
		p, err := w.fetch(ctx, key)
		if err != nil {
			return Object{}, false, err
		}
		if len(p.Objects) > 0 {
			return p.Objects[0], true, nil
		}
		next, done, err := w.next(ctx, key, p)
		if err != nil || done {
			return Object{}, false, err
		}
		key = next
	}
}

// knownStates are the objectState values of reference §7.2.
var knownStates = map[string]bool{"PENDING": true, "AVAILABLE": true, "ARCHIVED": true, "REVOKED": true, "DELETED": true, "FAILED": true}

// checkObjects logs metadata that lies or is missing, once per page: the fs
// shows such objects with sane stand-ins (size 0 and unreadable, mtime 1970).
func (c *Client) checkObjects(ctx context.Context, region string, objs []Object) {
	for _, o := range objs {
		if o.StoredBytes < 0 {
			c.log.WarnContext(ctx, "css object without usable storedBytes", "region", region, "object", o.ID)
		}
		if o.CreatedTime.IsZero() {
			c.log.WarnContext(ctx, "css object without a usable createdTime", "region", region, "object", o.ID)
		}
		if !knownStates[o.ObjectState] {
			c.log.WarnContext(ctx, "css object with an unknown objectState", "region", region, "object", o.ID, "objectState", o.ObjectState)
		}
	}
}

// encodeQuery is url.Values.Encode with spaces as %20 rather than '+', which
// every server decodes as a space (a literal '+' is sent as %2B either way).
func encodeQuery(v url.Values) string {
	return strings.ReplaceAll(v.Encode(), "+", "%20")
}

func jsonHeaders() http.Header {
	return http.Header{
		"Accept":       {"application/json"},
		"Content-Type": {"application/json"}, // documented as required on search (reference §3)
	}
}

// storageURL builds BaseURL/storage/<region>/v3/<path>, escaping region.
func (c *Client) storageURL(region, path string) string {
	return c.base + "/storage/" + url.PathEscape(region) + "/v3/" + path
}

// maxJSONBody bounds JSON responses; a page of 100 objects is far smaller.
const maxJSONBody = 32 << 20

// readJSON reads a whole JSON body; truncation and over-size are retryable.
func (c *Client) readJSON(cl *call, resp *http.Response, body io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxJSONBody+1))
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, c.bodyErr(cl, resp.StatusCode, "reading body: "+err.Error())
	}
	if len(data) > maxJSONBody {
		return nil, c.bodyErr(cl, resp.StatusCode, "body too large")
	}
	if resp.ContentLength >= 0 && int64(len(data)) != resp.ContentLength {
		return nil, c.bodyErr(cl, resp.StatusCode, "body length differs from Content-Length")
	}
	return data, nil
}
