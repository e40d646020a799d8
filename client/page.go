package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Page is one page of search results.
type Page struct {
	Objects []Object
	// NextKey is the pageKey the server returned, as text ("" when absent).
	// What it means is not settled (reference §6): a record offset, a page
	// number or an opaque token; List finds out from the server's answers.
	NextKey  string
	PageSize int // number of objects in this page
	LastPage bool
	Total    int64 // as sent by the server (meaning ambiguous); -1 when absent
}

// wirePage is a page as sent; its content is taken as raw records
// (json.RawMessage), or straight as objects ([]*wireObject) when every
// record is one.
type wirePage[C any] struct {
	Content  C          `json:"content"`
	PageKey  flexString `json:"pageKey"`
	PageSize flexInt    `json:"pageSize"`
	LastPage flexBool   `json:"lastPage"`
	Total    flexInt    `json:"total"`
}

// decodeObjectPage decodes a page whose records are all objects (or none)
// in one pass over its bytes; ok is false for anything else, which
// decodePage then takes record by record to say which one is wrong.
func decodeObjectPage(data []byte) (w wirePage[[]*wireObject], objs []Object, ok bool) {
	if json.Unmarshal(data, &w) != nil {
		return w, nil, false
	}
	if len(w.Content) == 0 {
		return w, nil, true
	}
	objs = make([]Object, len(w.Content))
	for i, o := range w.Content {
		if o == nil { // null
			return w, nil, false
		}
		objs[i] = o.object()
	}
	return w, objs, true
}

// decodePage decodes a search response for a request with limit. A missing
// lastPage is derived (fewer objects than limit); a missing pageKey is left
// empty, never guessed. A body wrapped in a one-element array (an old
// documentation shape) is unwrapped.
func decodePage(data []byte, limit int) (*Page, error) {
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
	var w wirePage[json.RawMessage]
	fast, objs, ok := decodeObjectPage(data)
	if ok {
		w.PageKey, w.PageSize, w.LastPage, w.Total = fast.PageKey, fast.PageSize, fast.LastPage, fast.Total
	} else if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	p := &Page{NextKey: string(w.PageKey), Total: -1, Objects: objs}
	content := bytes.TrimSpace(w.Content)
	if !ok && len(content) > 0 && string(content) != "null" {
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
