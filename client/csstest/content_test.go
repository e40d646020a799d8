package csstest

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
)

func readAll(t *testing.T, ra io.ReaderAt, size int64) []byte {
	t.Helper()
	b := make([]byte, size)
	if _, err := ra.ReadAt(b, 0); err != nil && err != io.EOF {
		t.Fatalf("ReadAt: %v", err)
	}
	return b
}

func TestSourcesRandomAccess(t *testing.T) {
	srcs := []source{
		wavSource{key: 9, size: wavSize(1234)},
		newTextSource(`{"a":"`, `"}`, 5000, 3),
		opaqueSource{key: 5, size: 3001},
		bytesSource("hello world"),
	}
	for _, src := range srcs {
		whole := readAll(t, src, src.Size())
		for _, off := range []int64{0, 1, 43, 44, 45, 100, src.Size() - 3} {
			for _, n := range []int64{1, 2, 3, 7, 64} {
				if off < 0 || off+n > src.Size() {
					continue
				}
				got := make([]byte, n)
				if _, err := src.ReadAt(got, off); err != nil && err != io.EOF {
					t.Fatal(err)
				}
				if !bytes.Equal(got, whole[off:off+n]) {
					t.Fatalf("%T ReadAt(%d,%d) differs", src, off, n)
				}
			}
		}
		if n, err := src.ReadAt(make([]byte, 10), src.Size()); n != 0 || err != io.EOF {
			t.Errorf("%T read at end: %d %v", src, n, err)
		}
	}
	var js map[string]any
	if err := json.Unmarshal(readAll(t, srcs[1], 5000), &js); err != nil {
		t.Errorf("generated JSON invalid: %v", err)
	}
}

func TestContentRangeAndChecksum(t *testing.T) {
	e := startEmu(t, Options{Objects: 30})
	o := e.searchAll("us-east", "type==callrecording;storedBytes=lt=2000000")[0]
	ra, size, err := e.s.Open("us-east", o.ID)
	if err != nil || size != o.StoredBytes {
		t.Fatalf("Open: %v size %d vs %d", err, size, o.StoredBytes)
	}
	want := readAll(t, ra, size)
	resp, body := e.get("us-east", "/objects/"+o.ID+"/content")
	if resp.StatusCode != 200 || !bytes.Equal(body, want) || resp.Header.Get("Content-Type") != o.MimeType ||
		resp.Header.Get("Content-Length") != strconv.FormatInt(size, 10) {
		t.Fatalf("content: %d len %d type %q", resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
	}
	sum := md5.Sum(want)
	if hex.EncodeToString(sum[:]) != o.Checksum {
		t.Errorf("checksum %s is not the MD5 of the content", o.Checksum)
	}
	// WAV header duration equals the duration tag
	dur, _ := o.Tag("duration")
	dataLen := binary.LittleEndian.Uint32(want[40:44])
	if string(want[0:4]) != "RIFF" || string(want[8:12]) != "WAVE" || strconv.Itoa(int(dataLen/16)) != dur {
		t.Errorf("WAV header data %d bytes vs duration %s ms", dataLen, dur)
	}
	for _, tc := range []struct {
		rng, cr  string
		from, to int64
	}{
		{"bytes=10-19", "bytes 10-19/", 10, 20},
		{"bytes=100-", "bytes 100-", 100, size},
		{"bytes=-50", "bytes " + itoa(size-50) + "-", size - 50, size},
		{"bytes=0-999999999", "bytes 0-", 0, size},
	} {
		resp, body := e.get("us-east", "/objects/"+o.ID+"/content", "Range", tc.rng)
		if resp.StatusCode != 206 || !bytes.Equal(body, want[tc.from:tc.to]) || !bytes.HasPrefix([]byte(resp.Header.Get("Content-Range")), []byte(tc.cr)) {
			t.Errorf("%s: %d %q len %d", tc.rng, resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
		}
	}
	if resp, _ := e.get("us-east", "/objects/"+o.ID+"/content", "Range", "bytes="+itoa(size)+"-"); resp.StatusCode != 416 {
		t.Errorf("unsatisfiable: %d", resp.StatusCode)
	}
	e.s.SetFaults(Faults{IgnoreRange: true})
	if resp, body := e.get("us-east", "/objects/"+o.ID+"/content", "Range", "bytes=10-19"); resp.StatusCode != 200 || !bytes.Equal(body, want) {
		t.Errorf("IgnoreRange: %d len %d", resp.StatusCode, len(body))
	}
	e.s.SetFaults(Faults{ShortBodies: true})
	if _, body := e.get("us-east", "/objects/"+o.ID+"/content"); int64(len(body)) >= size || !bytes.Equal(body, want[:len(body)]) {
		t.Errorf("ShortBodies: len %d", len(body))
	}
	e.s.SetFaults(Faults{LongBodies: true})
	if _, body := e.get("us-east", "/objects/"+o.ID+"/content"); int64(len(body)) <= size || !bytes.Equal(body[:size], want) {
		t.Errorf("LongBodies: len %d", len(body))
	}
	e.s.SetFaults(Faults{ResetRate: 1})
	req, _ := http.NewRequest("GET", e.s.URL+"/storage/us-east/v3/objects/"+o.ID+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+e.tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Error("ResetRate 1: body read without error")
		}
	}
	e.s.SetFaults(Faults{})
	if e.s.Count("content") < 8 || e.s.ContentBytes() == 0 {
		t.Errorf("counters: %v %d", e.s.Counts(), e.s.ContentBytes())
	}
}

func TestContentStatesAndPresign(t *testing.T) {
	e := startEmu(t, Options{Objects: 5})
	hc := e.s.HardCases("us-east")
	if resp, body := e.get("us-east", "/objects/"+hc["archived"]+"/content"); resp.StatusCode != 403 || !bytes.Contains(body, []byte("restore")) {
		t.Errorf("archived content: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.get("us-east", "/objects/"+hc["revoked"]+"/content"); resp.StatusCode != 404 {
		t.Errorf("revoked content: %d", resp.StatusCode)
	}
	if resp, _ := e.get("us-east", "/objects/"+hc["archived"]); resp.StatusCode != 200 {
		t.Errorf("archived metadata: %d", resp.StatusCode)
	}
	id := hc["non-ascii"]
	_, body := e.get("us-east", "/objects/"+id+"/content?presignUrl=true")
	var p struct{ URL string }
	if err := json.Unmarshal(body, &p); err != nil || p.URL == "" {
		t.Fatalf("presign: %s", body)
	}
	resp, err := http.Get(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ra, size, _ := e.s.Open("us-east", id)
	if resp.StatusCode != 200 || !bytes.Equal(got, readAll(t, ra, size)) {
		t.Errorf("presigned fetch: %d len %d", resp.StatusCode, len(got))
	}
	if resp, _ := http.Get(p.URL + "x"); resp != nil && resp.StatusCode != 403 {
		t.Errorf("tampered presign: %d", resp.StatusCode)
	}
	if resp, body := e.get("us-east", "/objects/"+hc["empty"]+"/content"); resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("empty object: %d %d", resp.StatusCode, len(body))
	}
}
