package tree

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cssfs/cssfs/cache"
)

// Reader reads one file: an object's content through the block cache
// (with readahead), or a sidecar's JSON.
type Reader struct {
	path string
	size int64
	mime string
	r    *cache.Reader // an object's content; nil for a sidecar
	data []byte        // a sidecar's JSON
}

// Open opens the file e for reading. An object that is not AVAILABLE, or
// whose size the service did not give (so no read of it could be checked),
// cannot be opened.
func (t *Tree) Open(ctx context.Context, e Entry) (*Reader, error) {
	switch e.Kind {
	case Dir:
		return nil, fmt.Errorf("%s: %w", e.Path, ErrIsDir)
	case Sidecar:
		o, err := t.object(ctx, e)
		if err != nil {
			return nil, err
		}
		data := sidecarJSON(e.Region, o)
		return &Reader{path: e.Path, size: int64(len(data)), data: data}, nil
	}
	r := e.file.rec(int(e.at))
	if r.flags&flagAvailable == 0 {
		state := "not AVAILABLE"
		if o, ok := e.file.object(int(e.at)); ok { // no request just for the message
			state = o.ObjectState
		}
		return nil, fmt.Errorf("%s: object %s in %s is %s and cannot be read; to restore it for 7 days: setfattr -n %s -v 7 FILE: %w",
			e.Path, r.id, e.Region, state, RestoreXattr, ErrNotReadable)
	}
	if r.size < 0 {
		// A wrong byte is worse than an error.
		return nil, fmt.Errorf("%s: object %s in %s has no usable storedBytes: %w", e.Path, r.id, e.Region, ErrUnverifiable)
	}
	ref := cache.Ref{Region: e.Region, ID: r.id, Size: r.size}
	return &Reader{path: e.Path, size: r.size, mime: r.mime, r: t.blocks.NewReader(ref, t.cfg.MaxAhead)}, nil
}

// ReadAt fills p from the file at off, like io.ReaderAt but with a
// context: it returns fewer bytes than len(p) only at the end.
func (r *Reader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	if r.r == nil {
		if off >= int64(len(r.data)) {
			return 0, nil
		}
		return copy(p, r.data[off:]), nil
	}
	n, err := r.r.ReadAt(ctx, p, off)
	if err != nil {
		return n, fmt.Errorf("%s: %w", r.path, apiError(err))
	}
	return n, nil
}

// ReadView is ReadAt that may return the cached bytes themselves instead of
// copying them into p (when they lie in one block): the mount hands them to
// the kernel as they are. The returned slice must not be changed, and
// release must be called once it is no longer read (see cache.Reader).
func (r *Reader) ReadView(ctx context.Context, p []byte, off int64) (v []byte, release func(), err error) {
	if r.r == nil {
		if off >= int64(len(r.data)) {
			return nil, noRelease, nil
		}
		return r.data[off:min(off+int64(len(p)), int64(len(r.data)))], noRelease, nil
	}
	v, release, err = r.r.ReadView(ctx, p, off)
	if err != nil {
		return nil, release, fmt.Errorf("%s: %w", r.path, apiError(err))
	}
	return v, release, nil
}

func noRelease() {}

// Close says the file is closed: downloads ahead that only it wanted stop.
func (r *Reader) Close() {
	if r.r != nil {
		r.r.Close()
	}
}

// WarmEnds fetches, in the background, the first and last block of an
// audio file, which is where tools like ffprobe and sox look on open.
func (r *Reader) WarmEnds() {
	if r.r != nil && strings.HasPrefix(r.mime, "audio/") {
		r.r.WarmEnds()
	}
}

// Stream reads the file from start to end, for copying.
func (r *Reader) Stream(ctx context.Context) io.Reader {
	return &stream{ctx: ctx, r: r}
}

type stream struct {
	ctx context.Context
	r   *Reader
	off int64
}

func (s *stream) Read(p []byte) (int, error) {
	if s.off >= s.r.size {
		return 0, io.EOF
	}
	n, err := s.r.ReadAt(s.ctx, p, s.off)
	s.off += int64(n)
	if err == nil && n == 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
