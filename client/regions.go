package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// knownRegions are the regions the API's server template enumerates; any of
// them answers GET /regions with the caller's regions (reference §2, §4.1).
var knownRegions = []string{"us-west", "us-east", "uk", "ap", "ca"}

// Regions lists the regions provisioned for the account. It asks the
// spec's default region first and tries the others only if that one is
// unknown (404) to the server.
func (c *Client) Regions(ctx context.Context) ([]string, error) {
	var lastErr error
	for _, via := range knownRegions {
		regions, err := c.regionsVia(ctx, via)
		if err == nil {
			return regions, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func (c *Client) regionsVia(ctx context.Context, via string) ([]string, error) {
	var out []string
	cl := &call{op: "regions", region: via, url: c.storageURL(via, "regions"), header: jsonHeaders()}
	cl.handle = func(resp *http.Response, body io.Reader) error {
		data, err := c.readJSON(cl, resp, body)
		if err != nil {
			return err
		}
		regions, err := decodeRegions(data)
		if err != nil {
			return c.bodyErr(cl, resp.StatusCode, "decoding regions: "+err.Error())
		}
		out = regions
		return nil
	}
	if err := c.run(ctx, cl); err != nil {
		return nil, err
	}
	return out, nil
}

// decodeRegions accepts the documented array of strings and, defensively,
// an object wrapping it under "regions" or "content".
func decodeRegions(data []byte) ([]string, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var w struct {
			Regions json.RawMessage `json:"regions"`
			Content json.RawMessage `json:"content"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		data = w.Regions
		if len(data) == 0 {
			data = w.Content
		}
	}
	var list []flexString
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("want a list of region names: %w", err)
	}
	out := make([]string, 0, len(list))
	for _, r := range list {
		if r != "" {
			out = append(out, string(r))
		}
	}
	return out, nil
}
