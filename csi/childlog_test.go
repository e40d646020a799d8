package csi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestChildLogTagsLines(t *testing.T) {
	var out bytes.Buffer
	w := newChildLog(&out, "pv 1")
	w.Write([]byte("time=1 level=INFO msg=a\ntime=2 level="))
	w.Write([]byte(`WARN msg="b c"` + "\n" + `{"time":3,"msg":"j"}` + "\n{}\nlast"))
	w.flush()
	want := "time=1 level=INFO msg=a volume=\"pv 1\"\n" +
		"time=2 level=WARN msg=\"b c\" volume=\"pv 1\"\n" +
		`{"volume":"pv 1","time":3,"msg":"j"}` + "\n" +
		`{"volume":"pv 1"}` + "\n" +
		"last volume=\"pv 1\"\n"
	if out.String() != want {
		t.Errorf("tagged log:\n%s\nwant:\n%s", out.String(), want)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "{") && !json.Valid([]byte(line)) {
			t.Errorf("not JSON after tagging: %s", line)
		}
	}
	if tail := w.tail(); !strings.HasSuffix(tail, "last") || !strings.HasPrefix(tail, "time=1") {
		t.Errorf("tail %q, want the raw log", tail)
	}
}
