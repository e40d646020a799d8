package main

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/internal/mounttest"
)

// scrape fetches the metrics page and returns the sample of name{labels}.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func sample(page, series string) float64 {
	for _, line := range strings.Split(page, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v
		}
	}
	return 0
}

func TestMetricsMoveDuringReads(t *testing.T) {
	mounttest.RequireFUSE(t)
	m := mountEmulator(t, tenant, "--metrics-addr", "127.0.0.1:0")
	if !m.Log.WaitFor("serving metrics", 10*time.Second) {
		t.Fatal("no metrics line in the log")
	}
	url := regexp.MustCompile(`url=(\S+)`).FindStringSubmatch(m.Log.String()[strings.Index(m.Log.String(), "serving metrics"):])[1]
	before := scrape(t, url)
	files := m.filesByID()
	n := 0
	for _, fs := range files {
		if fs[0].info.Size() > 2<<20 && n < 3 {
			f, err := os.Open(fs[0].path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, f)
			if n == 0 { // one file still open while we scrape
				defer f.Close()
			} else {
				f.Close()
			}
			n++
		}
	}
	after := scrape(t, url)
	for _, series := range []string{
		`cssfs_api_requests_total{endpoint="content",status="206"}`,
		`cssfs_api_requests_total{endpoint="search",status="200"}`,
		`cssfs_content_bytes_total`,
		`cssfs_cache_fetches_total`,
		`cssfs_fuse_operations_total{op="read",result="ok"}`,
		`cssfs_fuse_operations_total{op="readdirplus",result="ok"}`,
		`cssfs_fuse_operation_seconds_count{op="read"}`,
		`cssfs_readahead_window_bytes_count`,
	} {
		if sample(after, series) <= sample(before, series) {
			t.Errorf("%s did not move: %v -> %v", series, sample(before, series), sample(after, series))
		}
	}
	if v := sample(after, `cssfs_token_fetches_total{result="ok"}`); v < 1 {
		t.Errorf("token fetches: %v", v)
	}
	if v := sample(after, "cssfs_open_files"); v != 1 {
		t.Errorf("open files: %v, want 1", v)
	}
	if v := sample(after, "cssfs_cache_bytes"); v <= 0 {
		t.Errorf("cache bytes: %v", v)
	}
}
