package tree

import (
	"encoding/json"
	"time"

	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/naming"
)

// A sidecar, NAME.meta.json beside each object (with Config.Sidecars), holds
// the object's metadata as a small JSON file, for tools that cannot read
// extended attributes.
const sidecarSuffix = naming.SidecarSuffix

// sidecarIno gives sidecars their own stable inode numbers.
func sidecarIno(region, id string) uint64 { return inodeOf(region, id, sidecarSuffix) }

// sidecarMeta is the JSON a sidecar holds: the object's fields under their
// wire names, plus where it lives.
type sidecarMeta struct {
	Region       string            `json:"region"`
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	MimeType     string            `json:"mimeType"`
	ObjectName   string            `json:"objectName"`
	ChecksumType string            `json:"checksumType"`
	Checksum     string            `json:"checksum"`
	CustomerID   string            `json:"customerId"`
	UserID       string            `json:"userId"`
	StoredBytes  int64             `json:"storedBytes"`
	CreatedTime  string            `json:"createdTime"`
	UpdatedTime  string            `json:"updatedTime"`
	ObjectState  string            `json:"objectState"`
	BucketID     string            `json:"bucketId"`
	Tags         map[string]string `json:"tags"`
}

// sidecarJSON renders a sidecar; the same object always gives the same bytes.
func sidecarJSON(region string, o *client.Object) []byte {
	m := sidecarMeta{Region: region, ID: o.ID, Type: o.Type, MimeType: o.MimeType, ObjectName: o.ObjectName,
		ChecksumType: o.ChecksumType, Checksum: o.Checksum, CustomerID: o.CustomerID, UserID: o.UserID,
		StoredBytes: o.StoredBytes, CreatedTime: wireTime(o.CreatedTime), UpdatedTime: wireTime(o.UpdatedTime),
		ObjectState: o.ObjectState, BucketID: o.BucketID, Tags: map[string]string{}}
	for _, t := range o.Tags {
		m.Tags[t.Key] = t.Value
	}
	b, _ := json.MarshalIndent(m, "", "  ") // plain strings and numbers: cannot fail
	return append(b, '\n')
}

func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}
