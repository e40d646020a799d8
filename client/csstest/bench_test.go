package csstest

import (
	"crypto/md5"
	"io"
	"testing"
)

func BenchmarkWavRead(b *testing.B) {
	w := wavSource{key: 42, size: 8 << 20}
	buf := make([]byte, 64<<10)
	b.SetBytes(w.size)
	for b.Loop() {
		for off := int64(0); off < w.size; off += int64(len(buf)) {
			_, _ = w.ReadAt(buf, off)
		}
	}
}

func BenchmarkWavMD5(b *testing.B) {
	w := wavSource{key: 42, size: 8 << 20}
	b.SetBytes(w.size)
	for b.Loop() {
		h := md5.New()
		_, _ = io.Copy(h, io.NewSectionReader(w, 0, w.size))
	}
}
