// Package naming turns CSS objects into file names that people and their
// tools can use: safe (no character that shells, ffmpeg, scp, rsync or
// Windows read specially), readable where an object's tags allow (a
// template per type), the same on every mount, and unique in a directory.
package naming

import (
	"hash/fnv"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBytes is the longest file name Linux accepts.
const MaxBytes = 255

// Replacement stands in for every character a name may not hold. It is
// part of the names users see and keep: never change it.
const Replacement = "_"

// forbidden are the characters no name holds: '/' and NUL (Unix), ':'
// (ffmpeg reads "ipbx:" as a protocol, scp and rsync as a host; Windows
// forbids it) and the rest of Windows' set.
const forbidden = "/:<>\"\\|?*"

// isForbidden reports runes a name never holds: the set above, control
// characters, and the bidirectional overrides that make a name display
// as another ("evil\u202Eavw.mp3" shows as "evil3pm.wav").
func isForbidden(r rune) bool {
	return strings.ContainsRune(forbidden, r) || unicode.IsControl(r) ||
		(r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// windowsDevices are names Windows (and so a Samba share) cannot open,
// whatever their extension.
var windowsDevices = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true}

// Safe makes s safe as (part of) a file name, with fixed replacements:
// invalid UTF-8 and every forbidden character become "_", as do a leading
// '-' (tools read it as an option) and a trailing '.' or space (Windows
// drops them); a Windows device name gets a "_" in front.
func Safe(s string) string {
	s = strings.ToValidUTF8(s, Replacement)
	s = strings.Map(func(r rune) rune {
		if isForbidden(r) {
			return '_'
		}
		return r
	}, s)
	if strings.HasPrefix(s, "-") {
		s = Replacement + s[1:]
	}
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, " ") {
		s = s[:len(s)-1] + Replacement
	}
	if stem, _, _ := strings.Cut(s, "."); windowsDevices[strings.ToUpper(strings.TrimSpace(stem))] {
		s = Replacement + s
	}
	return s
}

// usable reports whether a name can stand on its own: not empty, blank, "." or "..".
func usable(name string) bool {
	return strings.TrimSpace(name) != "" && strings.Trim(name, ".") != ""
}

// SafeID makes an object id or a region usable as a file name.
func SafeID(id string) string {
	s := Safe(id)
	if !usable(id) {
		s = Replacement + s
	}
	return Truncate(s, MaxBytes)
}

// DirName is the safe name of a directory for a value (a type, a user id);
// fallback names it when the value cannot stand on its own.
func DirName(value, fallback string) string {
	if !usable(value) {
		return SafeID(fallback)
	}
	return fit(Safe(value), fallback)
}

// fit shortens a name over MaxBytes keeping its extension, with the id
// appended so that shortened names stay distinct.
func fit(name, id string) string {
	if len(name) <= MaxBytes {
		return name
	}
	return WithSuffix(name, "~"+ShortID(id))
}

// hashID is a fixed-length stand-in for a whole id.
func hashID(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	h.Write([]byte{0})
	return strconv.FormatUint(h.Sum64(), 16)
}

// ShortID is the first 8 characters of an id, enough to tell duplicates apart.
func ShortID(id string) string {
	return Safe(Truncate(SafeID(id), 8)) // cut, it may end in a space again
}

// WithSuffix inserts suffix before the extension, shortening the base so
// the result fits in MaxBytes.
func WithSuffix(name, suffix string) string {
	ext := path.Ext(name)
	if len(ext) > 32 { // an "extension" that long is just part of the name
		ext = ""
	}
	base := strings.TrimSuffix(name, ext)
	room := max(MaxBytes-len(suffix)-len(ext), 0)
	return Truncate(base, room) + suffix + ext
}

// Truncate cuts s to at most n bytes without splitting a rune.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
