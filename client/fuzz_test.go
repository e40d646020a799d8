package client

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","type":"callrecording","storedBytes":28224,"createdTime":"2022-11-01T21:22:22","tags":[{"key":"k","value":"v"}],"shared":false}`,
		`{"storedBytes":"12","createdTime":1667337742000,"updatedTime":"2022-11-01T21:22:22.5+01:00"}`,
		`{"tags":{"a":1},"shared":"true","id":7}`,
		`{"storedBytes":-1,"tags":[null,"x",{"value":1}]}`,
		`{}`, `null`, `[]`, `{"id":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := decodeObject(data)
		if err != nil {
			return
		}
		if o.StoredBytes < -1 {
			t.Fatalf("StoredBytes %d", o.StoredBytes)
		}
		for _, tm := range []time.Time{o.CreatedTime, o.UpdatedTime} {
			if !tm.IsZero() && tm.Location() != time.UTC {
				t.Fatalf("time not UTC: %v", tm)
			}
		}
		for _, tag := range o.Tags {
			if tag.Key == "" {
				t.Fatal("tag with empty key")
			}
		}
	})
}

func FuzzDecodePage(f *testing.F) {
	for _, s := range []string{
		`{"lastPage":false,"pageKey":100,"pageSize":100,"content":[{"id":"a"}]}`,
		`{"lastPage":"true","pageKey":"300","total":"245","content":null}`,
		`[{"lastPage":true,"content":[]}]`,
		`{"content":[1]}`, `garbage`, ``,
		`{"content":[{"id":"a\"b","objectName":"caf\u00e9 \u2028.wav","tags":[{"key":"k","value":"\\x"},null,{"key":""}]},null]}`,
		"{\"content\":[{\"id\":\"\xff\xfe\",\"tags\":{\"b\":2,\"a\":\"1\"},\"storedBytes\":\"1e3\"}]}",
		`{"content":[{"tags":[{"key":"k","value":{"x":[1, 2]}}],"createdTime":"2024-03-15T01:02:03.5Z","shared":1}]}`,
	} {
		f.Add([]byte(s), 100)
	}
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		if limit < 1 || limit > maxLimit {
			return
		}
		p, err := decodePage(data, limit)
		if err != nil {
			return
		}
		if p.PageSize != len(p.Objects) || p.Total < -1 {
			t.Fatalf("inconsistent page: size %d, %d objects, total %d", p.PageSize, len(p.Objects), p.Total)
		}
		// Pages decoded in one pass hold what the records decode to one by one.
		var w wirePage[json.RawMessage]
		var records []json.RawMessage
		if json.Unmarshal(data, &w) != nil || json.Unmarshal(w.Content, &records) != nil {
			return
		}
		for i, rec := range records {
			o, err := decodeObject(rec)
			if err != nil || i >= len(p.Objects) || !reflect.DeepEqual(o, p.Objects[i]) {
				t.Fatalf("record %d: page has %+v, alone it decodes to %+v (%v)", i, p.Objects, o, err)
			}
		}
	})
}

func FuzzQuoteValue(f *testing.F) {
	for _, s := range []string{"plain", "", "a b", `q"uote`, `back\slash`, "a;b,c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q := QuoteValue(v)
		if q == v {
			if v == "" || hasTopLevelOr(v) {
				t.Fatalf("%q left unquoted", v)
			}
			return
		}
		if hasTopLevelOr(Eq("s", v)) {
			t.Fatalf("quoted value %q leaks a top-level ','", q)
		}
	})
}
