package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Page is one page of search results.
type Page struct {
	Objects     []Object
	NextPageKey int64 // pageKey for the next request
	PageSize    int   // number of objects in this page
	LastPage    bool
	Total       int64 // as sent by the server (meaning ambiguous, see Count); -1 when absent
}

type wirePage struct {
	Content  json.RawMessage `json:"content"`
	PageKey  flexInt         `json:"pageKey"`
	PageSize flexInt         `json:"pageSize"`
	LastPage flexBool        `json:"lastPage"`
	Total    flexInt         `json:"total"`
}

// decodePage decodes a search response for a request at pageKey with limit.
// Missing fields are derived: nextPageKey = pageKey+limit (the documented
// rule), lastPage = fewer objects than limit. A body wrapped in a one-element
// array (an old documentation shape) is unwrapped.
func decodePage(data []byte, pageKey int64, limit int) (*Page, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(data, &arr); err != nil {
			return nil, err
		}
		if len(arr) != 1 {
			return nil, fmt.Errorf("page is an array of %d elements", len(arr))
		}
		data = bytes.TrimSpace(arr[0])
	}
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("page is not a JSON object")
	}
	var w wirePage
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	p := &Page{NextPageKey: pageKey + int64(limit), Total: -1}
	content := bytes.TrimSpace(w.Content)
	if len(content) > 0 && string(content) != "null" {
		var items []json.RawMessage
		if err := json.Unmarshal(content, &items); err != nil {
			return nil, fmt.Errorf("page content: %w", err)
		}
		p.Objects = make([]Object, 0, len(items))
		for i, item := range items {
			o, err := decodeObject(item)
			if err != nil {
				return nil, fmt.Errorf("page content[%d]: %w", i, err)
			}
			p.Objects = append(p.Objects, o)
		}
	}
	p.PageSize = len(p.Objects)
	if w.PageKey.Valid {
		p.NextPageKey = w.PageKey.V
	}
	if w.LastPage.Valid {
		p.LastPage = w.LastPage.V
	} else {
		p.LastPage = len(p.Objects) < limit
	}
	if w.Total.Valid && w.Total.V >= 0 {
		p.Total = w.Total.V
	}
	return p, nil
}
