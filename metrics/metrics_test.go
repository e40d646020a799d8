package metrics

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/cache"
)

// The README lists every metric cssfs serves, and no other.
func TestREADMEListsEveryMetric(t *testing.T) {
	m := New()
	blocks, err := cache.NewBlocks(nil, cache.BlockConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer blocks.Close()
	m.WatchCache(blocks)
	// Vectors show a series only once one has a value.
	m.Request("search", 200, time.Millisecond)
	m.Retry("search")
	m.Throttled("search")
	m.ContentBytes(1)
	m.TokenFetched(true)
	m.ReadaheadWindow(1 << 20)
	m.FUSEOp("read", time.Millisecond, 0)
	m.FileOpened(1)
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "cssfs_") {
			served = append(served, f.GetName())
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	para := string(readme)
	para = para[strings.Index(para, "**Metrics.**"):]
	para = para[:strings.Index(para, "\n\n")]
	listed := regexp.MustCompile("`(cssfs_[a-z_]+)`").FindAllStringSubmatch(para, -1)
	var names []string
	for _, l := range listed {
		names = append(names, l[1])
	}
	slices.Sort(served)
	slices.Sort(names)
	if !slices.Equal(served, names) {
		t.Errorf("README lists %v\nthe code serves %v", names, served)
	}
}
