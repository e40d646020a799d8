package tree

import "hash/fnv"

// inodeOf derives a stable inode number from the parts that identify a node
// (region and object id, or a directory's path), so numbers survive remounts.
func inodeOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	ino := h.Sum64()
	if ino <= 1 || ino == ^uint64(0) { // 0 = auto, 1 = root, max = go-fuse internal
		ino = 2
	}
	return ino
}
