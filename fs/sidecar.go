package fs

import (
	"context"
	"encoding/json"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/client"
)

// sidecarNode is NAME.meta.json: an object's metadata as a small JSON file,
// for tools that cannot read extended attributes.
type sidecarNode struct {
	gofs.Inode
	refuseWrites
	fs     *fsys
	region string
	obj    *client.Object
	data   []byte // the JSON, made once: the object's metadata does not change
}

func newSidecarNode(f *fsys, region string, obj *client.Object) *sidecarNode {
	return &sidecarNode{fs: f, region: region, obj: obj, data: sidecarJSON(region, obj)}
}

var (
	_ gofs.NodeGetattrer = (*sidecarNode)(nil)
	_ gofs.NodeOpener    = (*sidecarNode)(nil)
	_ gofs.NodeReader    = (*sidecarNode)(nil)
)

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

func (s *sidecarNode) attr(out *fuse.Attr) {
	n := fileNode{fs: s.fs, region: s.region, obj: s.obj}
	n.attr(out)
	size := uint64(len(s.data))
	out.Ino = sidecarIno(s.region, s.obj.ID)
	out.Mode = syscall.S_IFREG | 0o444
	out.Size, out.Blocks = size, (size+511)/512
}

func (s *sidecarNode) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	s.attr(&out.Attr)
	return 0
}

func (s *sidecarNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR) != 0 {
		return nil, 0, syscall.EROFS
	}
	return nil, fuse.FOPEN_KEEP_CACHE, 0
}

func (s *sidecarNode) Read(ctx context.Context, _ gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	b := s.data
	if off >= int64(len(b)) {
		return fuse.ReadResultData(nil), 0
	}
	return fuse.ReadResultData(b[off:min(int64(len(b)), off+int64(len(dest)))]), 0
}
