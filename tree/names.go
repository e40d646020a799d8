package tree

import (
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxNameBytes is the longest file name Linux accepts.
const MaxNameBytes = 255

// extByMime gives an extension to objects whose names have none.
var extByMime = map[string]string{
	"audio/mpeg":       ".mp3",
	"audio/mp3":        ".mp3",
	"audio/wav":        ".wav",
	"audio/x-wav":      ".wav",
	"audio/wave":       ".wav",
	"video/mp4":        ".mp4",
	"application/json": ".json",
	"text/plain":       ".txt",
}

// safeName turns an objectName into a usable file name: no '/' or NUL,
// valid UTF-8, an extension from the mime type where the name has none, and
// at most 255 bytes (shortened keeping the extension, with the object id
// appended so shortened names stay distinct). Names that cannot stand on
// their own ("", ".", "..", blanks) become the object id.
func safeName(objectName, mimeType, id string) string {
	name := strings.ToValidUTF8(objectName, "_")
	name = strings.NewReplacer("/", "_", "\x00", "_").Replace(name)
	if strings.TrimSpace(name) == "" || name == "." || name == ".." {
		name = safeID(id)
	}
	if path.Ext(name) == "" {
		name += extByMime[strings.ToLower(strings.TrimSpace(strings.SplitN(mimeType, ";", 2)[0]))]
	}
	if len(name) > MaxNameBytes {
		name = withSuffix(name, "~"+shortID(id))
	}
	return name
}

// safeID makes an object id usable as a file name.
func safeID(id string) string {
	s := strings.NewReplacer("/", "_", "\x00", "_").Replace(strings.ToValidUTF8(id, "_"))
	if s == "" || s == "." || s == ".." {
		s = "_" + s
	}
	return truncateUTF8(s, MaxNameBytes)
}

// idHash is a fixed-length stand-in for a whole id.
func idHash(id string) string {
	return strconv.FormatUint(inodeOf(id), 16)
}

// shortID is the first 8 characters of an id, enough to tell duplicates apart.
func shortID(id string) string {
	id = safeID(id)
	if len(id) > 8 {
		return truncateUTF8(id, 8)
	}
	return id
}

// withSuffix inserts suffix before the extension, shortening the base so
// the result fits in 255 bytes.
func withSuffix(name, suffix string) string {
	ext := path.Ext(name)
	if len(ext) > 32 { // an "extension" that long is just part of the name
		ext = ""
	}
	base := strings.TrimSuffix(name, ext)
	room := max(MaxNameBytes-len(suffix)-len(ext), 0)
	return truncateUTF8(base, room) + suffix + ext
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// named is an entry waiting for a unique name in its directory.
type named struct {
	name string // safe name before de-duplication
	id   string // object id: the tie-breaker
}

// uniqueNames gives every entry of one directory a distinct name. Every
// member of a group that shares a name gets a short id suffix, so an
// object's name does not depend on the order of the listing.
func uniqueNames(entries []named) []string {
	count := make(map[string]int, len(entries))
	for _, e := range entries {
		count[e.name]++
	}
	out := make([]string, len(entries))
	taken := make(map[string]bool, len(entries))
	for i, e := range entries {
		if count[e.name] == 1 {
			out[i] = e.name
			taken[e.name] = true
		}
	}
	// Resolve collisions in id order so the result is deterministic.
	order := make([]int, 0)
	for i, e := range entries {
		if count[e.name] > 1 {
			order = append(order, i)
		}
	}
	sort.Slice(order, func(a, b int) bool { return entries[order[a]].id < entries[order[b]].id })
	for _, i := range order {
		e := entries[i]
		name := withSuffix(e.name, "~"+shortID(e.id))
		if taken[name] { // ids that share 8 characters: a hash of the whole id
			name = withSuffix(e.name, "~"+idHash(e.id))
		}
		for n := 2; taken[name]; n++ { // same id twice: last resort, still deterministic
			name = withSuffix(e.name, "~"+idHash(e.id)+"~"+strconv.Itoa(n))
		}
		out[i] = name
		taken[name] = true
	}
	return out
}
