package client

import (
	"reflect"
	"testing"
	"time"
)

func TestDecodeObjectDocumentedExample(t *testing.T) {
	o, err := decodeObject([]byte(`{
	  "id": "9984564e-557c-42bf-9b7c-40c7b909d489", "type": "callrecording", "mimeType": "audio/mpeg",
	  "objectName": "ipbx:acme:1667337742543-+16695555518_E.mp3", "checksumType": "MD5",
	  "checksum": "c03f27f4b1ca0aefea989f1c1b432d9e", "customerId": "0012J00002IZiaKQAT",
	  "userId": "2xEVyEt2SFmZfL3v5UuEdw", "storedBytes": 28224, "createdTime": "2022-11-01T21:22:22",
	  "updatedTime": "2022-11-01T21:22:32", "objectState": "AVAILABLE",
	  "bucketId": "57b3ae7b-da6a-437d-b7eb-8d109f89ef2f",
	  "tags": [{"key": "callId", "value": "1666686434952"}, {"key": "direction", "value": "OUTBOUND"}],
	  "shared": false, "someFutureField": {"x": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Object{
		ID: "9984564e-557c-42bf-9b7c-40c7b909d489", Type: "callrecording", MimeType: "audio/mpeg",
		ObjectName: "ipbx:acme:1667337742543-+16695555518_E.mp3", ChecksumType: "MD5",
		Checksum: "c03f27f4b1ca0aefea989f1c1b432d9e", CustomerID: "0012J00002IZiaKQAT",
		UserID: "2xEVyEt2SFmZfL3v5UuEdw", BucketID: "57b3ae7b-da6a-437d-b7eb-8d109f89ef2f",
		ObjectState: "AVAILABLE", StoredBytes: 28224,
		CreatedTime: time.Date(2022, 11, 1, 21, 22, 22, 0, time.UTC),
		UpdatedTime: time.Date(2022, 11, 1, 21, 22, 32, 0, time.UTC),
		Tags:        []Tag{{"callId", "1666686434952"}, {"direction", "OUTBOUND"}},
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("got  %+v\nwant %+v", o, want)
	}
	if v, ok := o.Tag("direction"); !ok || v != "OUTBOUND" {
		t.Errorf("Tag(direction) = %q, %v", v, ok)
	}
	if _, ok := o.Tag("nope"); ok {
		t.Error("Tag(nope) found")
	}
}

func TestDecodeObjectStoredBytes(t *testing.T) {
	cases := map[string]int64{
		`{"storedBytes": 5}`:              5,
		`{"storedBytes": "5"}`:            5,
		`{"storedBytes": " 7 "}`:          7,
		`{"storedBytes": 5.0}`:            5,
		`{"storedBytes": 1e3}`:            1000,
		`{"storedBytes": 5.5}`:            -1,
		`{"storedBytes": -3}`:             -1,
		`{"storedBytes": "-3"}`:           -1,
		`{"storedBytes": "big"}`:          -1,
		`{"storedBytes": null}`:           -1,
		`{"storedBytes": true}`:           -1,
		`{"storedBytes": [1]}`:            -1,
		`{"storedBytes": 1e300}`:          -1,
		`{}`:                              -1,
		`{"storedBytes": 0}`:              0,
		`{"storedBytes": "0"}`:            0,
		`{"STOREDBYTES": 9}`:              9, // encoding/json matches names case-insensitively
		`{"storedBytes": 12345678901234}`: 12345678901234,
	}
	for in, want := range cases {
		o, err := decodeObject([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if o.StoredBytes != want {
			t.Errorf("%s: StoredBytes = %d, want %d", in, o.StoredBytes, want)
		}
	}
}

func TestDecodeObjectTimes(t *testing.T) {
	base := time.Date(2022, 11, 1, 21, 22, 22, 0, time.UTC)
	cases := map[string]time.Time{
		`"2022-11-01T21:22:22"`:          base,
		`"2022-11-01T21:22:22.543"`:      base.Add(543 * time.Millisecond),
		`"2022-11-01T21:22:22Z"`:         base,
		`"2022-11-01T21:22:22.5Z"`:       base.Add(500 * time.Millisecond),
		`"2022-11-01T22:22:22+01:00"`:    base,
		`"2022-11-01T22:22:22.000+0100"`: base,
		`"2022-11-01 21:22:22"`:          base,
		`1667337742000`:                  base,
		`"1667337742000"`:                base,
		`1667337742`:                     base, // seconds
		`"garbage"`:                      {},
		`""`:                             {},
		`null`:                           {},
		`{"a":1}`:                        {},
	}
	for in, want := range cases {
		o, err := decodeObject([]byte(`{"createdTime":` + in + `,"updatedTime":` + in + `}`))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !o.CreatedTime.Equal(want) || !o.UpdatedTime.Equal(want) {
			t.Errorf("%s: got %v / %v, want %v", in, o.CreatedTime, o.UpdatedTime, want)
		}
		if !o.CreatedTime.IsZero() && o.CreatedTime.Location() != time.UTC {
			t.Errorf("%s: location %v, want UTC", in, o.CreatedTime.Location())
		}
	}
}

func TestDecodeObjectTagsAndFields(t *testing.T) {
	o, err := decodeObject([]byte(`{"id": 42, "shared": "true", "objectState": null,
	  "tags": [{"key":"a","value":"1"}, {"key":"b"}, {"key":"c","value":7}, {"key":"d","value":{"x":true}},
	           {"value":"orphan"}, "junk", {"key":"e","value":null,"id":"100"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "42" || !o.Shared || o.ObjectState != "" {
		t.Errorf("fields: %+v", o)
	}
	want := []Tag{{"a", "1"}, {"b", ""}, {"c", "7"}, {"d", `{"x":true}`}, {"e", ""}}
	if !reflect.DeepEqual(o.Tags, want) {
		t.Errorf("tags = %v, want %v", o.Tags, want)
	}
	o, err = decodeObject([]byte(`{"tags": {"z": "1", "a": 2}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []Tag{{"a", "2"}, {"z", "1"}}; !reflect.DeepEqual(o.Tags, want) {
		t.Errorf("map tags = %v, want %v", o.Tags, want)
	}
	for _, bad := range []string{``, `null`, `[]`, `"x"`, `{"id":`, `{"id": "x"} trailing`} {
		if _, err := decodeObject([]byte(bad)); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func TestDecodePage(t *testing.T) {
	cases := []struct {
		name, in  string
		limit     int
		wantN     int
		wantNext  string
		wantTotal int64
		wantLast  bool
	}{
		{"documented", `{"lastPage":false,"pageKey":100,"pageSize":100,"content":[{"id":"a"}]}`, 100, 1, "100", -1, false},
		{"strings", `{"lastPage":"true","pageKey":"300","pageSize":"2","total":"245","content":[{"id":"a"},{"id":"b"}]}`, 100, 2, "300", 245, true},
		{"token", `{"lastPage":false,"pageKey":"eyJvIjoxMDB9","content":[{"id":"a"}]}`, 1, 1, "eyJvIjoxMDB9", -1, false},
		{"null content", `{"lastPage":true,"pageKey":100,"pageSize":0,"content":null}`, 100, 0, "100", -1, true},
		{"missing fields, short page", `{"content":[{"id":"a"}]}`, 100, 1, "", -1, true},
		{"missing fields, full page", `{"content":[{"id":"a"},{"id":"b"}]}`, 2, 2, "", -1, false},
		{"wrapped in array", `[{"lastPage":true,"pageKey":1,"content":[]}]`, 1, 0, "1", -1, true},
		{"negative total", `{"lastPage":true,"total":-5,"pageKey":null}`, 100, 0, "", -1, true},
	}
	for _, tc := range cases {
		p, err := decodePage([]byte(tc.in), tc.limit)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(p.Objects) != tc.wantN || p.PageSize != tc.wantN || p.NextKey != tc.wantNext || p.Total != tc.wantTotal || p.LastPage != tc.wantLast {
			t.Errorf("%s: got %d objs, size %d, next %q, total %d, last %v", tc.name, len(p.Objects), p.PageSize, p.NextKey, p.Total, p.LastPage)
		}
	}
	for _, bad := range []string{``, `garbage`, `{"content":`, `{"content":{"id":"a"}}`, `{"content":[1]}`, `[{},{}]`, `"str"`} {
		if _, err := decodePage([]byte(bad), 100); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func TestDecodeRegions(t *testing.T) {
	for in, want := range map[string][]string{
		`["us-east","uk"]`:      {"us-east", "uk"},
		`{"regions":["ap"]}`:    {"ap"},
		`{"content":["ca",""]}`: {"ca"},
		`[]`:                    {},
	} {
		got, err := decodeRegions([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := decodeRegions([]byte(`{"x":1}`)); err == nil {
		t.Error("want error for object without regions")
	}
}

func TestParseContentRange(t *testing.T) {
	for in, want := range map[string][4]int64{
		"bytes 0-9/100":  {0, 9, 100, 1},
		"bytes 5-5/*":    {5, 5, -1, 1},
		"bytes 9-0/100":  {0, 0, 0, 0},
		"bytes */100":    {0, 0, 0, 0},
		"items 0-9/100":  {0, 0, 0, 0},
		"bytes 0-9":      {0, 0, 0, 0},
		"bytes -1-9/100": {0, 0, 0, 0},
		"":               {0, 0, 0, 0},
	} {
		s, e, tot, ok := parseContentRange(in)
		okn := int64(0)
		if ok {
			okn = 1
		}
		if got := [4]int64{s, e, tot, okn}; got != want {
			t.Errorf("%q: got %v want %v", in, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"3":                             3 * time.Second,
		"0":                             0,
		"Wed, 01 Jan 2025 00:00:10 GMT": 10 * time.Second,
		"Tue, 31 Dec 2024 23:00:00 GMT": 0,
	} {
		got, ok := parseRetryAfter(in, now)
		if !ok || got != want {
			t.Errorf("%q: got %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon"} {
		if _, ok := parseRetryAfter(in, now); ok {
			t.Errorf("%q: want not ok", in)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	for attempt := 1; attempt < 100; attempt++ {
		d := p.backoff(attempt)
		if d < 0 || d > p.MaxDelay {
			t.Fatalf("attempt %d: delay %v out of [0,%v]", attempt, d, p.MaxDelay)
		}
		if attempt == 1 && d > p.BaseDelay {
			t.Fatalf("first delay %v above base %v", d, p.BaseDelay)
		}
	}
}

func TestRefreshTime(t *testing.T) {
	now := time.Unix(1000, 0)
	if got := refreshTime(now, now.Add(1799*time.Second)); got != now.Add(1739*time.Second) {
		t.Errorf("long lifetime: refresh at +%v", got.Sub(now))
	}
	if got := refreshTime(now, now.Add(4*time.Second)); got != now.Add(3*time.Second) {
		t.Errorf("short lifetime: refresh at +%v", got.Sub(now))
	}
	if got := refreshTime(now, time.Time{}); got.Before(now.Add(time.Hour)) {
		t.Errorf("no expiry: refresh at +%v", got.Sub(now))
	}
}
