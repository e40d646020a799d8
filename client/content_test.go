package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// testContent is an object body whose every byte depends on its offset.
func testContent(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// spillRecorder reassembles spilled chunks.
type spillRecorder struct {
	got map[int64]byte
}

func (s *spillRecorder) spill(off int64, b []byte) {
	for i, v := range b {
		s.got[off+int64(i)] = v
	}
}

func TestReadRangePartial(t *testing.T) {
	data := testContent(300 << 10)
	var calls atomic.Int32
	var faults atomic.Int32 // number of bad answers still to give
	var mode atomic.Value
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if !strings.HasSuffix(r.URL.EscapedPath(), "/objects/a%2Fb/content") {
			t.Errorf("path %s", r.URL.EscapedPath())
		}
		var s, e int64
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &s, &e); err != nil {
			t.Errorf("Range %q", r.Header.Get("Range"))
		}
		part := data[s : e+1]
		cr := fmt.Sprintf("bytes %d-%d/%d", s, e, len(data))
		if faults.Add(-1) >= 0 {
			switch mode.Load() {
			case "short":
				part = part[:len(part)-1]
			case "long":
				part = append(append([]byte{}, part...), 'X')
				w.Header().Set("Transfer-Encoding", "chunked")
			case "wrongrange":
				cr = fmt.Sprintf("bytes %d-%d/%d", s+1, e+1, len(data))
			case "badlength":
				w.Header().Set("Content-Length", "1")
				part = part[:1]
			}
		}
		w.Header().Set("Content-Range", cr)
		if w.Header().Get("Content-Length") == "" && w.Header().Get("Transfer-Encoding") == "" {
			w.Header().Set("Content-Length", fmt.Sprint(len(part)))
		}
		w.WriteHeader(http.StatusPartialContent)
		w.Write(part)
	})
	c, _ := newTestClient(t, f.srv.URL)
	ctx := context.Background()

	for _, m := range []string{"", "short", "long", "wrongrange", "badlength"} {
		mode.Store(m)
		faults.Store(1)
		calls.Store(0)
		p := make([]byte, 100<<10)
		n, err := c.ReadRange(ctx, "us-east", "a/b", 12345, p, nil)
		if err != nil || n != len(p) || !bytes.Equal(p, data[12345:12345+len(p)]) {
			t.Fatalf("mode %q: n=%d err=%v equal=%v", m, n, err, bytes.Equal(p, data[12345:12345+len(p)]))
		}
		if want := map[bool]int32{true: 1, false: 2}[m == ""]; calls.Load() != want {
			t.Errorf("mode %q: calls = %d, want %d", m, calls.Load(), want)
		}
		if c.RangeIgnored() {
			t.Fatal("RangeIgnored after 206")
		}
	}
	// Persistent short bodies: an error, never data.
	mode.Store("short")
	faults.Store(100)
	p := make([]byte, 10)
	n, err := c.ReadRange(ctx, "us-east", "a/b", 0, p, nil)
	if n != 0 || !errors.Is(err, ErrBadResponse) {
		t.Fatalf("persistent short body: n=%d err=%v", n, err)
	}
	// Empty read: no request.
	calls.Store(0)
	if n, err := c.ReadRange(ctx, "us-east", "a/b", 5, nil, nil); n != 0 || err != nil || calls.Load() != 0 {
		t.Fatalf("empty read: %d %v, %d calls", n, err, calls.Load())
	}
}

func TestReadRangeIgnoredRange(t *testing.T) {
	data := testContent(200<<10 + 17)
	var shorten atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		body := data
		if shorten.Load() > 0 {
			body = data[:1000]
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	})
	c, _ := newTestClient(t, f.srv.URL)
	ctx := context.Background()
	for _, tc := range []struct{ off, n int }{{0, 10}, {70000, 65536}, {len(data) - 5, 5}, {1, len(data) - 1}, {65535, 2}} {
		rec := &spillRecorder{got: map[int64]byte{}}
		p := make([]byte, tc.n)
		n, err := c.ReadRange(ctx, "us-east", "x", int64(tc.off), p, rec.spill)
		if err != nil || n != tc.n || !bytes.Equal(p, data[tc.off:tc.off+tc.n]) {
			t.Fatalf("%+v: n=%d err=%v", tc, n, err)
		}
		if len(rec.got) != len(data)-tc.n {
			t.Errorf("%+v: spilled %d bytes, want %d", tc, len(rec.got), len(data)-tc.n)
		}
		for off, v := range rec.got {
			if off >= int64(tc.off) && off < int64(tc.off+tc.n) || v != data[off] {
				t.Fatalf("%+v: bad spill at %d", tc, off)
			}
		}
	}
	if !c.RangeIgnored() {
		t.Error("RangeIgnored false after 200")
	}
	// A whole body shorter than the requested range: error, not data.
	shorten.Store(1)
	p := make([]byte, 10)
	if n, err := c.ReadRange(ctx, "us-east", "x", 995, p, nil); n != 0 || !errors.Is(err, ErrBadResponse) {
		t.Fatalf("short whole body: n=%d err=%v", n, err)
	}
}

func TestReadRangeErrors(t *testing.T) {
	var contentStatus atomic.Int32
	var metaCalls atomic.Int32
	var state atomic.Value
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/content") {
			metaCalls.Add(1)
			s := state.Load().(string)
			if s == "gone" {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			writeJSON(w, fmt.Sprintf(`{"id":"x","objectState":%q}`, s))
			return
		}
		if contentStatus.Load() == http.StatusPartialContent {
			w.Header().Set("Content-Range", "bytes 0-4/3")
		}
		w.WriteHeader(int(contentStatus.Load()))
		fmt.Fprint(w, "object is ARCHIVED")
	})
	c, _ := newTestClient(t, f.srv.URL)
	cases := []struct {
		status int
		state  string
		want   error
	}{
		{403, "ARCHIVED", ErrNotAvailable},
		{404, "ARCHIVED", ErrNotAvailable},
		{409, "PENDING", ErrNotAvailable},
		{410, "REVOKED", ErrNotAvailable},
		{403, "AVAILABLE", ErrForbidden},
		{404, "gone", ErrNotFound},
		{403, "gone", ErrNotFound},
		{410, "AVAILABLE", ErrNotFound},
		{416, "AVAILABLE", ErrBadResponse},
		{206, "AVAILABLE", ErrBadResponse}, // Content-Range says the object is shorter
	}
	for _, tc := range cases {
		contentStatus.Store(int32(tc.status))
		state.Store(tc.state)
		p := make([]byte, 5)
		n, err := c.ReadRange(context.Background(), "us-east", "x", 0, p, nil)
		if n != 0 || !errors.Is(err, tc.want) {
			t.Errorf("%d/%s: n=%d err=%v, want %v", tc.status, tc.state, n, err, tc.want)
		}
	}
}

// StreamRangeInto reads a 206 body into the caller's buffers (sink is
// handed those very buffers), across buffers of odd sizes, and a whole
// (200) body through a buffer of its own: the same bytes either way.
func TestStreamRangeInto(t *testing.T) {
	data := testContent(300 << 10)
	var ignore atomic.Bool
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if ignore.Load() {
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.Write(data)
			return
		}
		var s, e int64
		fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &s, &e)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", s, e, len(data)))
		w.Header().Set("Content-Length", fmt.Sprint(e+1-s))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[s : e+1])
	})
	c, _ := newTestClient(t, f.srv.URL)
	const off, n, bufLen = 1000, 200<<10 + 3, 70001 // buffers that do not divide the range
	for _, whole := range []bool{false, true} {
		ignore.Store(whole)
		got := make([]byte, n)
		into := func(pos int64) []byte {
			i := pos - off
			return got[i:min(i/bufLen*bufLen+bufLen, n)] // up to the end of pos's buffer
		}
		inPlace, copied := 0, 0
		err := c.StreamRangeInto(context.Background(), "us-east", "x", off, n, into, func(at int64, b []byte) {
			if &b[0] == &got[at-off] {
				inPlace += len(b)
				return
			}
			copied += copy(got[at-off:], b)
		}, nil)
		if err != nil || !bytes.Equal(got, data[off:off+n]) {
			t.Fatalf("whole=%v: err=%v, bytes equal=%v", whole, err, bytes.Equal(got, data[off:off+n]))
		}
		if want := map[bool][2]int{false: {n, 0}, true: {0, n}}[whole]; inPlace != want[0] || copied != want[1] {
			t.Errorf("whole=%v: %d bytes in place, %d copied; want %v", whole, inPlace, copied, want)
		}
	}
}
