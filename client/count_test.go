package client

import "context"

// Count returns the number of objects matching filter (the tests check
// the emulator's paging with it; cssfs itself never counts). It asks for
// one record per page, so the server's `total` means the same whether it
// counts records or pages (the reference leaves that open), and uses it
// when present. Otherwise it pages through all results, 100 per request.
func (c *Client) Count(ctx context.Context, region string, filter string) (int64, error) {
	p, err := c.SearchPage(ctx, region, Query{Filter: filter, Limit: 1}, 0)
	if err != nil {
		return 0, err
	}
	if p.Total >= 0 {
		return p.Total, nil
	}
	if p.LastPage {
		return int64(len(p.Objects)), nil
	}
	var n int64
	for _, err := range c.Search(ctx, region, Query{Filter: filter}) {
		if err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}
