package naming

import (
	"sort"
	"strconv"
)

// Named is an entry waiting for a unique name in its directory.
type Named struct {
	Name string // name before de-duplication
	ID   string // object id: the tie-breaker
}

// Unique gives every entry of one directory a distinct name. Every member
// of a group that shares a name gets a short id suffix, so that an
// object's name depends on no listing order, only on whether another
// object has the same name.
func Unique(entries []Named) []string {
	count := make(map[string]int, len(entries))
	for _, e := range entries {
		count[e.Name]++
	}
	out := make([]string, len(entries))
	taken := make(map[string]bool, len(entries))
	var clashing []int
	for i, e := range entries {
		if count[e.Name] == 1 {
			out[i] = e.Name
			taken[e.Name] = true
		} else {
			clashing = append(clashing, i)
		}
	}
	// Resolve collisions in id order so the result is deterministic.
	sort.Slice(clashing, func(a, b int) bool { return entries[clashing[a]].ID < entries[clashing[b]].ID })
	for _, i := range clashing {
		e := entries[i]
		name := WithSuffix(e.Name, "~"+ShortID(e.ID))
		if taken[name] { // ids that share 8 characters: a hash of the whole id
			name = WithSuffix(e.Name, "~"+hashID(e.ID))
		}
		for n := 2; taken[name]; n++ { // same id twice: last resort, still deterministic
			name = WithSuffix(e.Name, "~"+hashID(e.ID)+"~"+strconv.Itoa(n))
		}
		out[i] = name
		taken[name] = true
	}
	return out
}

// SidecarSuffix ends the name of a sidecar, NAME.meta.json beside an object.
const SidecarSuffix = ".meta.json"

// Sidecar is NAME.meta.json for the object named name, shortened (with
// the id, to stay distinct) where that would pass MaxBytes.
func Sidecar(name, id string) string {
	if len(name)+len(SidecarSuffix) <= MaxBytes {
		return name + SidecarSuffix
	}
	tag := "~" + ShortID(id)
	return Truncate(name, MaxBytes-len(tag)-len(SidecarSuffix)) + tag + SidecarSuffix
}
