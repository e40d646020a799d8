package cache

import (
	"context"
	"testing"
	"time"
)

func TestForgetTreeAndAll(t *testing.T) {
	var ms Memos[int]
	loads := map[string]int{}
	get := func(k string) {
		t.Helper()
		if _, err := ms.Get(context.Background(), k, time.Hour, time.Second, func(context.Context) (int, error) {
			loads[k]++
			return loads[k], nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	keys := []string{"/a", "/a/b", "/a/b/c", "/ab", "/z"}
	for _, k := range keys {
		get(k)
	}
	ms.ForgetTree("/a/")
	for _, k := range keys {
		get(k)
	}
	want := map[string]int{"/a": 2, "/a/b": 2, "/a/b/c": 2, "/ab": 1, "/z": 1}
	for k, n := range want {
		if loads[k] != n {
			t.Errorf("after ForgetTree(/a/): %s loaded %d times, want %d", k, loads[k], n)
		}
	}
	ms.ForgetAll()
	for _, k := range keys {
		get(k)
		if loads[k] != want[k]+1 {
			t.Errorf("after ForgetAll: %s loaded %d times, want %d", k, loads[k], want[k]+1)
		}
	}
}
