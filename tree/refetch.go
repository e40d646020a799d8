package tree

import (
	"context"
	"fmt"
	"sync"

	"github.com/cssfs/cssfs/client"
)

// object is the whole metadata of the file or sidecar e: from its listing,
// or, once the listing's metadata has been dropped to bound memory, from
// the service (one request, remembered for the next few asks: getfattr
// asks once per attribute).
func (t *Tree) object(ctx context.Context, e Entry) (*client.Object, error) {
	if e.file == nil {
		return nil, fmt.Errorf("%s: %w", e.Path, ErrNotFound) // a directory: callers check the kind first
	}
	if o, ok := e.file.object(int(e.at)); ok {
		return o, nil
	}
	key := e.Region + "\x00" + e.ObjectID
	if o, ok := t.refetched.get(key); ok {
		return o, nil
	}
	o, err := t.api.Object(ctx, e.Region, e.ObjectID)
	if err != nil {
		return nil, fmt.Errorf("%s: metadata: %w", e.Path, apiError(err))
	}
	t.refetched.put(key, &o)
	return &o, nil
}

// refetchedObjects remembers the last few objects fetched again.
type refetchedObjects struct {
	mu    sync.Mutex
	byKey map[string]*client.Object
	order []string
}

const maxRefetched = 64

func (r *refetchedObjects) get(key string) (*client.Object, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.byKey[key]
	return o, ok
}

func (r *refetchedObjects) put(key string, o *client.Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey == nil {
		r.byKey = map[string]*client.Object{}
	}
	if _, ok := r.byKey[key]; ok {
		return
	}
	if len(r.order) >= maxRefetched {
		delete(r.byKey, r.order[0])
		r.order = r.order[1:]
	}
	r.order = append(r.order, key)
	r.byKey[key] = o
}
