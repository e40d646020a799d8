package naming

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cssfs/cssfs/client"
)

// unsafe reports why a name may not be shown, or "".
func unsafe(name string) string {
	switch {
	case name == "" || name == "." || name == "..":
		return "empty or a dot name"
	case len(name) > MaxBytes:
		return "longer than 255 bytes"
	case !utf8.ValidString(name):
		return "invalid UTF-8"
	case strings.IndexFunc(name, isForbidden) >= 0:
		return "a forbidden character"
	case strings.HasPrefix(name, "-"):
		return "a leading '-'"
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		return "a trailing dot or space"
	}
	return ""
}

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"call.mp3": "call.mp3",
		"ipbx:vandelay:callrecording:users:1482:1672583020878-1672577258612-1482-+16285555961_E.wav": "ipbx_vandelay_callrecording_users_1482_1672583020878-1672577258612-1482-+16285555961_E.wav",
		`a<b>c"d\e|f?g*h/i`:   "a_b_c_d_e_f_g_h_i",
		"tab\there\x00nul":    "tab_here_nul",
		"-n":                  "_n",
		"--help":              "_-help",
		"report.":             "report_",
		"report ":             "report_",
		"CON":                 "_CON",
		"nul.txt":             "_nul.txt",
		"console.txt":         "console.txt",
		"bad\xffutf8":         "bad_utf8",
		"evil\u202Eavw.mp3":   "evil_avw.mp3",
		"Müller–Žofie 通話.wav": "Müller–Žofie 通話.wav",
		"zwj 👩‍💻.wav":         "zwj 👩‍💻.wav",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

// The example object of reference §7.5, and its kin.
func call(tags ...client.Tag) *client.Object {
	return &client.Object{ID: "9984564e-557c-42bf-9b7c-40c7b909d489", Type: "callrecording", MimeType: "audio/mpeg",
		ObjectName:  "ipbx:acmecorp:callrecording:users:117209:1667337742543-1666686434952-117209-+16695555518_E.mp3",
		CreatedTime: time.Date(2022, 11, 1, 21, 22, 22, 0, time.UTC), Tags: tags}
}

var exampleTags = []client.Tag{{Key: "callId", Value: "1666686434952"}, {Key: "direction", Value: "OUTBOUND"},
	{Key: "duration", Value: "1228000"}, {Key: "startTime", Value: "1667337742543"}, {Key: "endTime", Value: "1667337749032"},
	{Key: "extensionNumber", Value: "117209"}, {Key: "address", Value: "+16695555518"}}

func TestDefaultNames(t *testing.T) {
	s, err := NewScheme(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		o    *client.Object
		want string
	}{
		{call(exampleTags...), "21-22-22 OUTBOUND +16695555518 117209 20m28s.mp3"},
		// Without the tags the template needs: the safe objectName.
		{call(exampleTags[:3]...), "ipbx_acmecorp_callrecording_users_117209_1667337742543-1666686434952-117209-+16695555518_E.mp3"},
		{&client.Object{ID: "x", Type: "transcription", MimeType: "application/json", ObjectName: "transcription-1.json",
			CreatedTime: time.Date(2024, 3, 1, 9, 8, 7, 0, time.UTC), Tags: []client.Tag{{Key: "callId", Value: "42"}, {Key: "speaker", Value: "owner"}}},
			"09-08-07 transcript owner 42.json"},
		{&client.Object{ID: "x", Type: "summary", MimeType: "application/json", ObjectName: "s",
			CreatedTime: time.Date(2024, 3, 1, 9, 8, 7, 0, time.UTC), Tags: []client.Tag{{Key: "callId", Value: "int-1:2"}}},
			"09-08-07 summary int-1_2.json"},
		{&client.Object{ID: "x", Type: "newtype", MimeType: "audio/wav", ObjectName: "-odd:name"}, "_odd_name.wav"},
		{&client.Object{ID: "the-id", Type: "newtype", ObjectName: ".."}, "the-id"},
	}
	for _, c := range cases {
		if got := s.Name(c.o); got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.o.Type, c.o.ObjectName, got, c.want)
		}
	}
}

func TestNameFormats(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	o := call(exampleTags...)
	cases := []struct {
		formats []string
		loc     *time.Location
		want    string
	}{
		{[]string{"raw"}, nil, "ipbx_acmecorp_callrecording_users_117209_1667337742543-1666686434952-117209-+16695555518_E.mp3"},
		{[]string{"{created:2006-01-02T15:04:05} {id}{ext}"}, nil, "2022-11-01T15_04_05 9984564e-557c-42bf-9b7c-40c7b909d489.mp3"[:11] + "21_22_22 9984564e-557c-42bf-9b7c-40c7b909d489.mp3"},
		{[]string{"callrecording={tag:callId} {type}{ext}"}, nil, "1666686434952 callrecording.mp3"},
		{[]string{"voicemail=raw"}, nil, "21-22-22 OUTBOUND +16695555518 117209 20m28s.mp3"},
		{[]string{"{tag:startTime:ms:2006-01-02 15-04 MST} {tag:missing|direction}{ext}"}, ny, "2022-11-01 17-22 EDT OUTBOUND.mp3"},
		// A template the object does not fit falls back to the safe objectName.
		{[]string{"{tag:nosuchtag} {id}"}, nil, "ipbx_acmecorp_callrecording_users_117209_1667337742543-1666686434952-117209-+16695555518_E.mp3"},
		{[]string{"{tag:direction:ms}{ext}"}, nil, "ipbx_acmecorp_callrecording_users_117209_1667337742543-1666686434952-117209-+16695555518_E.mp3"},
	}
	for _, c := range cases {
		s, err := NewScheme(c.formats, c.loc)
		if err != nil {
			t.Fatalf("%q: %v", c.formats, err)
		}
		if got := s.Name(o); got != c.want {
			t.Errorf("%q: got %q, want %q", c.formats, got, c.want)
		}
	}
}

func TestInvalidTemplatesNameTheProblem(t *testing.T) {
	for in, want := range map[string]string{
		"{tag:x":                  "never closed",
		"x}{id}":                  "closes nothing",
		"{nope}":                  "unknown field {nope}",
		"{}":                      "unknown field {}",
		"{created}":               "needs a layout",
		"{created:yyyy}":          "shows no part of a time",
		"{tag:}":                  "names no tag",
		"{tag:a|}":                "names no tag",
		"{tag:duration:s}":        `unknown unit "s"`,
		"{tag:t:ms:}":             "shows no part of a time",
		"calls/{id}":              `cannot hold "/"`,
		"recording{ext}":          "no field that tells objects apart",
		"constant":                "no field that tells objects apart",
		"callrecording={created}": "needs a layout",
	} {
		_, err := NewScheme([]string{in}, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error saying %q", in, err, want)
		}
	}
}

func TestUniqueNamesAreStableAndDistinct(t *testing.T) {
	in := []Named{{"a.wav", "id-b"}, {"a.wav", "id-a"}, {"b.wav", "id-c"}, {"a~id-a.wav", "id-x"}}
	got := Unique(in)
	want := []string{"a~id-b.wav", "a~" + hashID("id-a") + ".wav", "b.wav", "a~id-a.wav"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Unique = %q, want %q", got, want)
		}
	}
	// Order of the listing does not change any name.
	rev := []Named{in[3], in[2], in[1], in[0]}
	got2 := Unique(rev)
	for i := range rev {
		if got2[i] != got[len(in)-1-i] {
			t.Fatalf("order changed names: %q vs %q", got2, got)
		}
	}
}

func TestLongNamesKeepTheirExtension(t *testing.T) {
	s, _ := NewScheme(nil, nil)
	got := s.Name(&client.Object{ID: "0123456789abcdef", ObjectName: strings.Repeat("é", 200) + ".wav"}) // 404 bytes
	if unsafe(got) != "" || !strings.HasSuffix(got, "~01234567.wav") {
		t.Errorf("long name: %q (%d bytes)", got, len(got))
	}
	if side := Sidecar(got, "0123456789abcdef"); len(side) > MaxBytes || !strings.HasSuffix(side, SidecarSuffix) {
		t.Errorf("sidecar of a long name: %q", side)
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"", ".", "..", "a/b", "\x00", "\xff\xfe", strings.Repeat("x", 1000), "名前.wav", "  ", "-x.", "CON", "a:b"} {
		f.Add(s, "audio/wav", "9984564e-557c-42bf-9b7c-40c7b909d489", "1667337742543")
	}
	s, _ := NewScheme(nil, nil)
	f.Fuzz(func(t *testing.T, name, mime, id, tag string) {
		if id == "" {
			id = "x"
		}
		for _, typ := range []string{"callrecording", "transcription", "other"} {
			o := &client.Object{ID: id, Type: typ, ObjectName: name, MimeType: mime, Tags: []client.Tag{
				{Key: "startTime", Value: tag}, {Key: "direction", Value: name}, {Key: "address", Value: tag},
				{Key: "extensionNumber", Value: name}, {Key: "duration", Value: tag}, {Key: "callId", Value: name}}}
			got := s.Name(o)
			if why := unsafe(got); why != "" {
				t.Fatalf("Name(%q) = %q: %s", name, got, why)
			}
			names := Unique([]Named{{got, id}, {got, id + "y"}})
			if names[0] == names[1] || unsafe(names[0]) != "" || unsafe(names[1]) != "" {
				t.Fatalf("Unique gave %q", names)
			}
		}
		if why := unsafe(DirName(name, id)); why != "" {
			t.Fatalf("DirName(%q) = %q: %s", name, DirName(name, id), why)
		}
	})
}
