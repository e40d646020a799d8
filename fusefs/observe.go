//go:build !windows

package fusefs

import (
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// Observer hears of FUSE operations, for metrics. Its methods must be cheap
// and safe for concurrent use.
type Observer interface {
	FUSEOp(op string, elapsed time.Duration, errno syscall.Errno)
	FileOpened(delta int) // +1 on open, -1 on release
}

// observedFS times the FUSE operations cssfs serves; the rest pass through.
type observedFS struct {
	fuse.RawFileSystem
	obs Observer
}

func (o *observedFS) done(op string, start time.Time, st fuse.Status) fuse.Status {
	o.obs.FUSEOp(op, time.Since(start), syscall.Errno(st))
	return st
}

func (o *observedFS) Lookup(cancel <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	start := time.Now()
	return o.done("lookup", start, o.RawFileSystem.Lookup(cancel, h, name, out))
}

func (o *observedFS) GetAttr(cancel <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	start := time.Now()
	return o.done("getattr", start, o.RawFileSystem.GetAttr(cancel, in, out))
}

func (o *observedFS) Open(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	start := time.Now()
	st := o.RawFileSystem.Open(cancel, in, out)
	if st == fuse.OK {
		o.obs.FileOpened(1)
	}
	return o.done("open", start, st)
}

func (o *observedFS) Release(cancel <-chan struct{}, in *fuse.ReleaseIn) {
	o.RawFileSystem.Release(cancel, in)
	o.obs.FileOpened(-1)
}

func (o *observedFS) Read(cancel <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	start := time.Now()
	r, st := o.RawFileSystem.Read(cancel, in, buf)
	return r, o.done("read", start, st)
}

func (o *observedFS) OpenDir(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	start := time.Now()
	return o.done("opendir", start, o.RawFileSystem.OpenDir(cancel, in, out))
}

func (o *observedFS) ReadDir(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	start := time.Now()
	return o.done("readdir", start, o.RawFileSystem.ReadDir(cancel, in, out))
}

func (o *observedFS) ReadDirPlus(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	start := time.Now()
	return o.done("readdirplus", start, o.RawFileSystem.ReadDirPlus(cancel, in, out))
}

func (o *observedFS) GetXAttr(cancel <-chan struct{}, h *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	start := time.Now()
	n, st := o.RawFileSystem.GetXAttr(cancel, h, attr, dest)
	return n, o.done("getxattr", start, st)
}

func (o *observedFS) ListXAttr(cancel <-chan struct{}, h *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	start := time.Now()
	n, st := o.RawFileSystem.ListXAttr(cancel, h, dest)
	return n, o.done("listxattr", start, st)
}

func (o *observedFS) Unlink(cancel <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	start := time.Now()
	return o.done("unlink", start, o.RawFileSystem.Unlink(cancel, h, name))
}

func (o *observedFS) SetXAttr(cancel <-chan struct{}, in *fuse.SetXAttrIn, attr string, data []byte) fuse.Status {
	start := time.Now()
	return o.done("setxattr", start, o.RawFileSystem.SetXAttr(cancel, in, attr, data))
}

func (o *observedFS) StatFs(cancel <-chan struct{}, h *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	start := time.Now()
	return o.done("statfs", start, o.RawFileSystem.StatFs(cancel, h, out))
}
