//go:build !windows

package fusefs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/cssfs/cssfs/internal/mounttest"
)

// poisonedFile answers every read with a viewResult whose release
// overwrites the bytes, as a reused block buffer would.
type poisonedFile struct {
	gofs.Inode
	content []byte
}

func (f *poisonedFile) Getattr(ctx context.Context, _ gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode, out.Size = 0o444, uint64(len(f.content))
	return 0
}

func (f *poisonedFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	return nil, fuse.FOPEN_DIRECT_IO, 0
}

func (f *poisonedFile) Read(ctx context.Context, _ gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	end := min(off+int64(len(dest)), int64(len(f.content)))
	if off >= end {
		return fuse.ReadResultData(nil), 0
	}
	view := bytes.Clone(f.content[off:end])
	return &viewResult{data: view, release: func() {
		for i := range view {
			view[i] = 0xDB
		}
	}}, 0
}

// A read's reply is released only after go-fuse has written it: with the
// mount options cssfs uses (splice off), go-fuse calls Done before the
// write for results without Slices, which would send freed bytes.
func TestViewResultIsWrittenBeforeDone(t *testing.T) {
	mounttest.RequireFUSE(t)
	content := make([]byte, 3<<20)
	for i := range content {
		content[i] = byte(i % 251)
	}
	dir := t.TempDir()
	srv, err := gofs.Mount(dir, &fileRoot{file: &poisonedFile{content: content}}, &gofs.Options{
		MountOptions: fuse.MountOptions{DisableSplice: true, MaxWrite: maxRequest, DirectMount: os.Geteuid() == 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Unmount()
	got, err := os.ReadFile(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		i := 0
		for i < len(got) && i < len(content) && got[i] == content[i] {
			i++
		}
		t.Fatalf("read %d bytes, first wrong at %d: the reply was released before it was written", len(got), i)
	}
}

// fileRoot is a directory holding one file, f.
type fileRoot struct {
	gofs.Inode
	file *poisonedFile
}

func (r *fileRoot) OnAdd(ctx context.Context) {
	r.AddChild("f", r.NewPersistentInode(ctx, r.file, gofs.StableAttr{Mode: syscall.S_IFREG}), false)
}
