package csstest

import "time"

// Tag is one {key, value} pair of an object (reference §7.1).
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Object is the wire form of an object, field for field as reference §7.1.
type Object struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	MimeType     string `json:"mimeType"`
	ObjectName   string `json:"objectName"`
	ChecksumType string `json:"checksumType"`
	Checksum     string `json:"checksum"`
	CustomerID   string `json:"customerId"`
	UserID       string `json:"userId"`
	StoredBytes  int64  `json:"storedBytes"`
	CreatedTime  string `json:"createdTime"`
	UpdatedTime  string `json:"updatedTime"`
	ObjectState  string `json:"objectState"`
	BucketID     string `json:"bucketId"`
	Tags         []Tag  `json:"tags"`
	Shared       bool   `json:"shared"`
}

// TimeLayout is the wire format of createdTime/updatedTime (UTC, no zone).
const TimeLayout = "2006-01-02T15:04:05"

// Created parses CreatedTime (zero time if malformed).
func (o Object) Created() time.Time {
	t, _ := time.Parse(TimeLayout, o.CreatedTime)
	return t
}

// Tag returns the value of the tag key, if present.
func (o Object) Tag(key string) (string, bool) {
	for _, t := range o.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// ObjectSpec describes an explicitly added object (Server.Add).
type ObjectSpec struct {
	ID       string // default: a fresh UUID
	Type     string // default "callrecording"
	Name     string // objectName; default derived from the id and type
	MimeType string // default from Type
	State    string // default AVAILABLE
	Created  time.Time
	Tags     []Tag
	Content  []byte // the bytes; nil = generated content of Size bytes
	Size     int64  // size of generated content when Content is nil

	plainMD5 bool // a plain MD5 checksum even when large (the hard case tests verify)
}

// Object states (reference §7.2).
const (
	StatePending   = "PENDING"
	StateAvailable = "AVAILABLE"
	StateArchived  = "ARCHIVED"
	StateRevoked   = "REVOKED"
	StateDeleted   = "DELETED"
	StateFailed    = "FAILED"
)

var stateNames = []string{StatePending, StateAvailable, StateArchived, StateRevoked, StateDeleted, StateFailed}

func stateCode(s string) (uint8, bool) {
	for i, n := range stateNames {
		if n == s {
			return uint8(i), true
		}
	}
	return 0, false
}

const (
	codePending uint8 = iota
	codeAvailable
	codeArchived
	codeRevoked
)
