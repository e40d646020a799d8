package csstest

import "sync"

// searchKey identifies one listing; version changes whenever the region does.
type searchKey struct {
	region    string
	version   uint64
	filter    string
	sortField string
	desc      bool
}

// searchCache keeps the handles of recent listings so each page of a paged
// search is a slice, not a new scan. Evicts the oldest entry when full.
type searchCache struct {
	mu    sync.Mutex
	max   int
	order []searchKey
	items map[searchKey][]int32
}

func newSearchCache(max int) *searchCache {
	return &searchCache{max: max, items: map[searchKey][]int32{}}
}

func (c *searchCache) get(k searchKey) ([]int32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hs, ok := c.items[k]
	return hs, ok
}

func (c *searchCache) put(k searchKey, hs []int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, k)
	c.items[k] = hs
}
