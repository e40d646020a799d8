package tree

import (
	"context"
	iofs "io/fs"
	"time"

	"github.com/cssfs/cssfs/client"
)

// Kind tells the entries of the tree apart.
type Kind int

const (
	Dir     Kind = iota // a directory
	File                // an object
	Sidecar             // NAME.meta.json: an object's metadata (Config.Sidecars)
)

// Entry is one directory or file of the tree, with everything a front end
// shows of it. Entries are values: a listing hands out the same ones until
// it is reloaded.
type Entry struct {
	Name     string // "/" for the root
	Path     string // from the tree's root: "/us-east/callrecording/2024"
	Kind     Kind
	Region   string // "" for the root
	ObjectID string // of a file or sidecar
	Attr     Attr

	dir  *dir       // of a directory (a pointer: most entries are files)
	file *fileTable // of a file or sidecar: the listing that holds it...
	at   int32      // ...and its record there
}

// d is the directory e is (zero for a file).
func (e Entry) d() dir {
	if e.dir == nil {
		return dir{}
	}
	return *e.dir
}

// IsDir reports whether e is a directory.
func (e Entry) IsDir() bool { return e.Kind == Dir }

// Settled reports whether what e shows can be kept: false for an object
// that is not AVAILABLE, which a restore may make readable at any time.
func (e Entry) Settled() bool { return e.Kind != File || e.file.recs[e.at].flags&flagAvailable != 0 }

// Attr is an entry's attributes as plain values.
type Attr struct {
	Ino       uint64        // stable across mounts: derived from region and object id, or a directory's path
	Mode      iofs.FileMode // type and permissions: dr-xr-xr-x, -r--r--r--, or ---------- for an object that cannot be read
	Size      int64
	BlockSize int64 // preferred I/O size: the content block (0 for directories)
	Nlink     uint32
	Atime     time.Time // zero for directories
	Mtime     time.Time // a file's createdTime
	Ctime     time.Time // a file's updatedTime
}

// Permissions: nothing is writable; an object that cannot be read yet
// (archived) shows no permission at all.
const (
	dirMode        = iofs.ModeDir | 0o555
	fileMode       = 0o444
	unreadableMode = 0
)

func dirAttr(ino uint64, mtime time.Time) Attr {
	return Attr{Ino: ino, Mode: dirMode, Nlink: 2, Mtime: mtime, Ctime: mtime}
}

// fileAttr describes an object. A size the service did not give shows as
// 0 (and the object refuses to open); an unparseable createdTime as 1970.
func fileAttr(ino uint64, o *client.Object, blockSize int64) Attr {
	mtime, ctime := o.CreatedTime, o.UpdatedTime
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	if ctime.IsZero() {
		ctime = mtime
	}
	a := Attr{Ino: ino, Mode: fileMode, Size: max(o.StoredBytes, 0), BlockSize: blockSize, Nlink: 1, Atime: mtime, Mtime: mtime, Ctime: ctime}
	if !o.Available() {
		a.Mode = unreadableMode
	}
	return a
}

// XattrPrefix starts the names of the extended attributes that show an
// object's metadata.
const XattrPrefix = "user.css."

// RestoreXattr is the attribute that asks for an archived object back:
// setfattr -n user.css.restore -v DAYS FILE.
const RestoreXattr = XattrPrefix + "restore"

// Xattr is one extended attribute.
type Xattr struct{ Name, Value string }

// Xattrs lists a file's metadata as extended attributes, in a fixed order:
// user.css.id, type, mimeType, ..., and user.css.tag.KEY for every tag.
// Directories and sidecars have none.
func (t *Tree) Xattrs(ctx context.Context, e Entry) ([]Xattr, error) {
	if e.Kind != File {
		return nil, nil
	}
	o, err := t.object(ctx, e)
	if err != nil {
		return nil, err
	}
	out := []Xattr{
		{"id", o.ID},
		{"type", o.Type},
		{"mimeType", o.MimeType},
		{"checksum", o.Checksum},
		{"checksumType", o.ChecksumType},
		{"objectState", o.ObjectState},
		{"bucketId", o.BucketID},
		{"userId", o.UserID},
		{"customerId", o.CustomerID},
		{"region", e.Region},
		{"objectName", o.ObjectName},
	}
	for _, t := range o.Tags {
		out = append(out, Xattr{"tag." + t.Key, t.Value})
	}
	for i := range out {
		out[i].Name = XattrPrefix + out[i].Name
	}
	return out, nil
}
