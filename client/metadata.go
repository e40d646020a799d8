package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
)

// Object fetches one object's metadata by id (any state).
func (c *Client) Object(ctx context.Context, region, id string) (Object, error) {
	var obj Object
	cl := &call{op: "object", region: region, id: id, url: c.storageURL(region, "objects/"+url.PathEscape(id)), header: jsonHeaders()}
	cl.handle = func(resp *http.Response, body io.Reader) error {
		data, err := c.readJSON(cl, resp, body)
		if err != nil {
			return err
		}
		o, err := decodeObject(data)
		if err != nil {
			return c.bodyErr(cl, resp.StatusCode, "decoding object: "+err.Error())
		}
		c.checkObjects(ctx, region, []Object{o})
		obj = o
		return nil
	}
	if id == "" {
		return Object{}, &APIError{Op: "object", Region: region, Err: ErrNotFound, detail: "empty object id"}
	}
	if err := c.run(ctx, cl); err != nil {
		return Object{}, err
	}
	return obj, nil
}
