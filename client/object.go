package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"time"
)

// Tag is one {key, value} pair of an object's tags.
type Tag struct{ Key, Value string }

// Object is a CSS object's metadata (reference §7.1).
type Object struct {
	ID, Type, MimeType, ObjectName, ChecksumType, Checksum, CustomerID, UserID, BucketID, ObjectState string

	StoredBytes              int64     // -1 when missing, unparseable or negative
	CreatedTime, UpdatedTime time.Time // UTC; zero when missing or unparseable
	Tags                     []Tag
	Shared                   bool
}

// Tag returns the value of the first tag named key.
func (o Object) Tag(key string) (string, bool) {
	for _, t := range o.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// wireObject mirrors the JSON with tolerant field types; unknown fields are
// ignored by encoding/json.
type wireObject struct {
	ID           flexString      `json:"id"`
	Type         flexString      `json:"type"`
	MimeType     flexString      `json:"mimeType"`
	ObjectName   flexString      `json:"objectName"`
	ChecksumType flexString      `json:"checksumType"`
	Checksum     flexString      `json:"checksum"`
	CustomerID   flexString      `json:"customerId"`
	UserID       flexString      `json:"userId"`
	BucketID     flexString      `json:"bucketId"`
	ObjectState  flexString      `json:"objectState"`
	StoredBytes  flexInt         `json:"storedBytes"`
	CreatedTime  flexTime        `json:"createdTime"`
	UpdatedTime  flexTime        `json:"updatedTime"`
	Tags         json.RawMessage `json:"tags"`
	Shared       flexBool        `json:"shared"`
}

type wireTag struct {
	Key   flexString `json:"key"`
	Value flexString `json:"value"`
}

var errNotObject = errors.New("not a JSON object")

// decodeObject decodes one object; it fails only on malformed JSON or a
// value that is not a JSON object.
func decodeObject(data []byte) (Object, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return Object{}, errNotObject
	}
	var w wireObject
	if err := json.Unmarshal(data, &w); err != nil {
		return Object{}, err
	}
	return w.object(), nil
}

// object is the Object w describes.
func (w *wireObject) object() Object {
	o := Object{
		ID:           string(w.ID),
		Type:         string(w.Type),
		MimeType:     string(w.MimeType),
		ObjectName:   string(w.ObjectName),
		ChecksumType: string(w.ChecksumType),
		Checksum:     string(w.Checksum),
		CustomerID:   string(w.CustomerID),
		UserID:       string(w.UserID),
		BucketID:     string(w.BucketID),
		ObjectState:  string(w.ObjectState),
		StoredBytes:  -1,
		CreatedTime:  w.CreatedTime.T,
		UpdatedTime:  w.UpdatedTime.T,
		Tags:         decodeTags(w.Tags),
		Shared:       w.Shared.V,
	}
	if w.StoredBytes.Valid && w.StoredBytes.V >= 0 {
		o.StoredBytes = w.StoredBytes.V
	}
	return o
}

// decodeTagList decodes a list whose every entry is an object in one go
// (one pass instead of one per entry); ok is false for anything else,
// which decodeTags then takes entry by entry.
func decodeTagList(raw []byte) (tags []Tag, ok bool) {
	var list []*wireTag
	if json.Unmarshal(raw, &list) != nil {
		return nil, false
	}
	for _, wt := range list {
		if wt == nil { // null
			return nil, false
		}
	}
	for _, wt := range list {
		if wt.Key != "" {
			tags = append(tags, Tag{Key: string(wt.Key), Value: string(wt.Value)})
		}
	}
	return tags, true
}

// decodeTags accepts the documented [{key,value}] list (entries without a
// key are dropped) and, defensively, a {key: value} map (sorted by key).
func decodeTags(raw json.RawMessage) []Tag {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '[':
		if tags, ok := decodeTagList(raw); ok {
			return tags
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return nil
		}
		var tags []Tag
		for _, item := range list {
			var wt wireTag
			item = bytes.TrimSpace(item)
			if len(item) == 0 || item[0] != '{' || json.Unmarshal(item, &wt) != nil || wt.Key == "" {
				continue
			}
			tags = append(tags, Tag{Key: string(wt.Key), Value: string(wt.Value)})
		}
		return tags
	case '{':
		var m map[string]flexString
		if json.Unmarshal(raw, &m) != nil {
			return nil
		}
		tags := make([]Tag, 0, len(m))
		for k, v := range m {
			tags = append(tags, Tag{Key: k, Value: string(v)})
		}
		sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
		return tags
	}
	return nil
}
