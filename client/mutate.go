package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Restore asks for an ARCHIVED object to be brought back for days (1–10)
// days. It is asynchronous: the object becomes AVAILABLE later.
func (c *Client) Restore(ctx context.Context, region, id string, days int) error {
	if days < 1 || days > 10 {
		return fmt.Errorf("css restore: expirationDays must be 1 to 10, not %d", days)
	}
	body, _ := json.Marshal(map[string]int{"expirationDays": days})
	cl := &call{op: "restore", region: region, id: id, method: http.MethodPost, body: body,
		url: c.storageURL(region, "objects/"+url.PathEscape(id)+"/restore"), header: jsonHeaders(), okStatus: []int{200, 201, 202, 204}}
	cl.handle = func(resp *http.Response, body io.Reader) error { return nil }
	return refused(c.run(ctx, cl), ErrNotArchived)
}

// Delete deletes objects (metadata and content) with the bulk delete call.
func (c *Client) Delete(ctx context.Context, region string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	body, _ := json.Marshal(ids)
	cl := &call{op: "delete", region: region, method: http.MethodDelete, body: body,
		url: c.storageURL(region, "bulk"), header: jsonHeaders(), okStatus: []int{200, 202, 204}}
	if len(ids) == 1 {
		cl.id = ids[0]
	}
	cl.handle = func(resp *http.Response, body io.Reader) error { return nil }
	return c.run(ctx, cl)
}
