//go:build !windows

package fusefs

import (
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// DefaultMaxFileNodes is how many file nodes the kernel may hold before
// cssfs asks it to forget the oldest (Options.MaxFileNodes).
const DefaultMaxFileNodes = 16384

// nodeLimiter bounds the file nodes go-fuse keeps. The kernel keeps every
// inode it has looked up until memory pressure evicts it, and go-fuse keeps
// a node (with its entry) for each: a find over a million objects would
// hold a million. Past max, the oldest nodes handed out are pruned: the
// kernel forgets them (FUSE_NOTIFY_PRUNE, or an invalidated entry on older
// kernels) unless they are open, and go-fuse drops them. A name looked up
// again gets a node with the same inode number from the cached listing.
type nodeLimiter struct {
	max  int
	kick chan struct{}
	stop chan struct{}

	mu     sync.Mutex
	queue  []*fileNode // handed to the kernel, oldest first
	live   int         // file nodes not yet forgotten
	change chan struct{}
	pruned int // nodes pruned so far (for tests)
}

func newNodeLimiter(max int) *nodeLimiter {
	return &nodeLimiter{max: max, kick: make(chan struct{}, 1), stop: make(chan struct{}), change: make(chan struct{})}
}

// added notes a file node that Lookup handed to the kernel: a new one, or
// an existing one no longer queued.
func (l *nodeLimiter) added(n *fileNode, fresh bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	if fresh {
		l.live++
	}
	if !n.queued {
		n.queued = true
		l.queue = append(l.queue, n)
	}
	over := len(l.queue) > l.max
	l.mu.Unlock()
	if over {
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
}

// forgotten notes that go-fuse dropped n.
func (l *nodeLimiter) forgotten(n *fileNode) {
	if l == nil {
		return
	}
	l.mu.Lock()
	n.gone = true
	l.live--
	l.signalLocked()
	l.mu.Unlock()
}

func (l *nodeLimiter) signalLocked() {
	close(l.change)
	l.change = make(chan struct{})
}

// Live is how many file nodes go-fuse holds, and a channel closed at the
// next change.
func (l *nodeLimiter) Live() (int, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.live, l.change
}

// run prunes until stop is closed. Notifications go from here, never from
// a FUSE handler: the kernel may wait on the handler's directory.
func (l *nodeLimiter) run() {
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
		}
		l.prune()
	}
}

// prune asks the kernel to forget the oldest nodes until a quarter of max
// is free, so that the next prune is a batch.
func (l *nodeLimiter) prune() {
	l.mu.Lock()
	target := l.max - l.max/4
	var batch []*fileNode
	for len(l.queue) > target {
		n := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		n.queued = false
		if !n.gone {
			batch = append(batch, n)
		}
	}
	if len(l.queue) == 0 {
		l.queue = nil
	} else if cap(l.queue) > 2*l.max {
		l.queue = append([]*fileNode(nil), l.queue...)
	}
	l.pruned += len(batch)
	l.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	nodes := make([]*gofs.Inode, len(batch))
	for i, n := range batch {
		nodes[i] = n.EmbeddedInode()
	}
	if nodes[0].NotifyPrune(nodes) != syscall.ENOSYS {
		return
	}
	for _, n := range nodes {
		if name, parent := n.Parent(); parent != nil {
			parent.NotifyEntry(name)
		}
	}
}
