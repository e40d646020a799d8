package csstest

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// source is an object's true content: random access, known size.
type source interface {
	io.ReaderAt
	Size() int64
}

// readAtBounds clips a ReadAt request to size, reporting io.EOF like files do.
func readAtBounds(p []byte, off, size int64) ([]byte, error) {
	if off < 0 {
		return nil, fmt.Errorf("negative offset %d", off)
	}
	if off >= size {
		return p[:0], io.EOF
	}
	if rem := size - off; int64(len(p)) > rem {
		return p[:rem], io.EOF
	}
	return p, nil
}

// WAV audio: 8 kHz, mono, 16-bit PCM = 16,000 bytes per second, 16 per ms.
const (
	wavHeaderLen  = 44
	wavRate       = 8000
	wavBytesPerMs = 16
)

// wavSize is the byte size of a WAV of the given duration in milliseconds.
func wavSize(durationMs int64) int64 { return wavHeaderLen + durationMs*wavBytesPerMs }

// wavSource generates a tone-plus-noise WAV from its key, O(1) per byte.
type wavSource struct {
	key  uint64
	size int64
}

func (w wavSource) Size() int64 { return w.size }

func (w wavSource) header() [wavHeaderLen]byte {
	var h [wavHeaderLen]byte
	data := w.size - wavHeaderLen
	if data < 0 {
		data = 0
	}
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(min(data+36, math.MaxUint32)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], wavRate)
	binary.LittleEndian.PutUint32(h[28:], wavRate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(min(data, math.MaxUint32)))
	return h
}

// toneTable is one second of a two-tone chord; it repeats exactly every second.
var toneTable = func() [wavRate]int16 {
	var t [wavRate]int16
	for i := range t {
		x := 2 * math.Pi * float64(i) / wavRate
		t[i] = int16(6000*math.Sin(440*x) + 3000*math.Sin(660*x))
	}
	return t
}()

// Noise comes from two tables of coprime lengths, so it repeats only every
// ~35 minutes while costing two lookups per sample.
const noiseA, noiseB = 4093, 4099

var noiseTables = func() (t [2][]int16) {
	for i, n := range []int{noiseA, noiseB} {
		t[i] = make([]int16, n)
		for j := range t[i] {
			t[i][j] = int16(mix2(uint64(i), uint64(j))&0x3ff) - 0x200
		}
	}
	return t
}()

// envelope is the loudness (0..7) of the 100 ms segment seg: speech-like bursts.
func (w wavSource) envelope(seg int64) int32 { return int32(mix2(w.key, uint64(seg)) & 7) }

// sampleCursor walks the samples from k on with incrementing table indices
// (no divisions in the hot loop): the chord under the envelope, plus noise.
type sampleCursor struct {
	w            wavSource
	k            int64
	na, nb, tone int
	segLeft      int
	env          int32
}

func (w wavSource) cursor(k int64) *sampleCursor {
	shift := int64(w.key >> 40)
	return &sampleCursor{w: w, k: k, na: int((k + shift) % noiseA), nb: int((k + shift) % noiseB),
		tone: int(k % wavRate), segLeft: int(800 - k%800), env: w.envelope(k / 800)}
}

// next returns the current sample and advances.
func (c *sampleCursor) next() int16 {
	v := int16(int32(toneTable[c.tone])*c.env/7 + int32(noiseTables[0][c.na]) + int32(noiseTables[1][c.nb]))
	c.k++
	if c.na++; c.na == noiseA {
		c.na = 0
	}
	if c.nb++; c.nb == noiseB {
		c.nb = 0
	}
	if c.tone++; c.tone == wavRate {
		c.tone = 0
	}
	if c.segLeft--; c.segLeft == 0 {
		c.segLeft, c.env = 800, c.w.envelope(c.k/800)
	}
	return v
}

func (w wavSource) ReadAt(p []byte, off int64) (int, error) {
	buf, err := readAtBounds(p, off, w.size)
	if len(buf) == 0 {
		return 0, err
	}
	i := 0
	if off < wavHeaderLen {
		h := w.header()
		i = copy(buf, h[off:])
	}
	if i == len(buf) {
		return len(buf), err
	}
	j := off + int64(i) - wavHeaderLen
	c := w.cursor(j / 2)
	if j&1 == 1 {
		buf[i] = byte(uint16(c.next()) >> 8)
		i++
	}
	for ; i+1 < len(buf); i += 2 {
		s := uint16(c.next())
		buf[i], buf[i+1] = byte(s), byte(s>>8)
	}
	if i < len(buf) {
		buf[i] = byte(uint16(c.next()))
	}
	return len(buf), err
}

// textSource is prefix + generated words + suffix, exactly size bytes. The
// filler is letters and spaces only, so a JSON string around it stays valid.
type textSource struct {
	prefix, suffix string
	size           int64
	key            uint64
}

const lorem = "the caller asked about the invoice and the agent confirmed the order " +
	"number then explained the refund policy and scheduled a follow up call for next week "

func newTextSource(prefix, suffix string, size int64, key uint64) textSource {
	if int64(len(prefix)+len(suffix)) > size {
		prefix, suffix = "", ""
	}
	return textSource{prefix: prefix, suffix: suffix, size: size, key: key}
}

func (t textSource) Size() int64 { return t.size }

func (t textSource) ReadAt(p []byte, off int64) (int, error) {
	buf, err := readAtBounds(p, off, t.size)
	shift := int64(t.key % uint64(len(lorem)))
	tail := t.size - int64(len(t.suffix))
	for i := range buf {
		o := off + int64(i)
		switch {
		case o < int64(len(t.prefix)):
			buf[i] = t.prefix[o]
		case o >= tail:
			buf[i] = t.suffix[o-tail]
		default:
			buf[i] = lorem[(o+shift)%int64(len(lorem))]
		}
	}
	return len(buf), err
}

// opaqueSource is pseudo-random bytes (screen recordings and unknown types).
type opaqueSource struct {
	key  uint64
	size int64
}

func (s opaqueSource) Size() int64 { return s.size }

// ReadAt makes byte o from word o/8 = mix2(key, o/8), one hash per 8 bytes,
// so that a benchmark's emulator is not the bottleneck.
func (s opaqueSource) ReadAt(p []byte, off int64) (int, error) {
	buf, err := readAtBounds(p, off, s.size)
	i := 0
	for ; i < len(buf) && (off+int64(i))&7 != 0; i++ { // up to a word boundary
		o := off + int64(i)
		buf[i] = byte(mix2(s.key, uint64(o>>3)) >> (8 * (o & 7)))
	}
	for ; i+8 <= len(buf); i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], mix2(s.key, uint64((off+int64(i))>>3)))
	}
	for ; i < len(buf); i++ {
		o := off + int64(i)
		buf[i] = byte(mix2(s.key, uint64(o>>3)) >> (8 * (o & 7)))
	}
	return len(buf), err
}

// bytesSource serves explicit in-memory content.
type bytesSource []byte

func (b bytesSource) Size() int64 { return int64(len(b)) }

func (b bytesSource) ReadAt(p []byte, off int64) (int, error) {
	buf, err := readAtBounds(p, off, int64(len(b)))
	copy(buf, b[off:])
	return len(buf), err
}

// fileSource serves a local file (Dir mode); it opens the file per read so
// no descriptors are held for thousands of objects.
type fileSource struct {
	path string
	size int64
}

func (f fileSource) Size() int64 { return f.size }

func (f fileSource) ReadAt(p []byte, off int64) (int, error) {
	buf, err := readAtBounds(p, off, f.size)
	if len(buf) == 0 {
		return 0, err
	}
	fh, oerr := os.Open(f.path)
	if oerr != nil {
		return 0, fmt.Errorf("open %s: %w", f.path, oerr)
	}
	defer fh.Close()
	n, rerr := fh.ReadAt(buf, off)
	if rerr != nil && rerr != io.EOF {
		return n, fmt.Errorf("read %s: %w", f.path, rerr)
	}
	if n < len(buf) {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// WAVSize is the storedBytes of a generated audio object lasting durationMs.
func WAVSize(durationMs int64) int64 { return wavSize(durationMs) }
