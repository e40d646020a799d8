package tree

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("é", 200) + ".wav" // 404 bytes
	cases := []struct{ name, mime, id, want string }{
		{"call.mp3", "audio/mpeg", "id1", "call.mp3"},
		{"a/b.wav", "audio/wav", "id1", "a_b.wav"},
		{"nul\x00.wav", "audio/wav", "id1", "nul_.wav"},
		{"noext", "audio/mpeg", "id1", "noext.mp3"},
		{"noext", "application/octet-stream", "id1", "noext"},
		{"", "audio/wav", "abc", "abc.wav"},
		{".", "", "abc", "abc"},
		{"..", "", "abc", "abc"},
		{"   ", "", "abc", "abc"},
		{"bad\xffutf8.txt", "text/plain", "id1", "bad_utf8.txt"},
		{"ipbx:acme:+1669.wav", "audio/wav", "id1", "ipbx:acme:+1669.wav"},
	}
	for _, c := range cases {
		if got := safeName(c.name, c.mime, c.id); got != c.want {
			t.Errorf("safeName(%q, %q) = %q, want %q", c.name, c.mime, got, c.want)
		}
	}
	got := safeName(long, "audio/wav", "0123456789abcdef")
	if len(got) > 255 || !utf8.ValidString(got) || !strings.HasSuffix(got, "~01234567.wav") {
		t.Errorf("long name: %q (%d bytes)", got, len(got))
	}
}

func TestUniqueNamesAreStableAndDistinct(t *testing.T) {
	in := []named{{"a.wav", "id-b"}, {"a.wav", "id-a"}, {"b.wav", "id-c"}, {"a~id-a.wav", "id-x"}}
	got := uniqueNames(in)
	want := []string{"a~id-b.wav", "a~" + idHash("id-a") + ".wav", "b.wav", "a~id-a.wav"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("uniqueNames = %q, want %q", got, want)
		}
	}
	// Order of the listing does not change any name.
	rev := []named{in[3], in[2], in[1], in[0]}
	got2 := uniqueNames(rev)
	for i := range rev {
		if got2[i] != got[len(in)-1-i] {
			t.Fatalf("order changed names: %q vs %q", got2, got)
		}
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"", ".", "..", "a/b", "\x00", "\xff\xfe", strings.Repeat("x", 1000), "名前.wav", "  "} {
		f.Add(s, "audio/wav", "9984564e-557c-42bf-9b7c-40c7b909d489")
	}
	f.Fuzz(func(t *testing.T, name, mime, id string) {
		if id == "" {
			id = "x"
		}
		got := safeName(name, mime, id)
		if got == "" || got == "." || got == ".." || len(got) > 255 || strings.ContainsAny(got, "/\x00") || !utf8.ValidString(got) {
			t.Fatalf("safeName(%q) = %q", name, got)
		}
		names := uniqueNames([]named{{got, id}, {got, id + "y"}})
		if names[0] == names[1] || len(names[0]) > 255 || len(names[1]) > 255 {
			t.Fatalf("uniqueNames gave %q", names)
		}
	})
}
