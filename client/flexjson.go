package client

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The flex types decode the loosely specified fields of CSS responses
// (reference §7): numbers that may arrive as strings, strings that may arrive
// as numbers, and several time formats. None of them fails on a well-formed
// JSON value; they record what they saw instead.

// flexString accepts a string, number, bool or null (→ ""); objects and
// arrays are kept as compact JSON text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"' && simpleString(b):
		// Most values: no escapes to undo (the JSON around it is valid).
		*f = flexString(b[1 : len(b)-1])
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return err
		}
		*f = flexString(buf.String())
	default:
		*f = flexString(b) // number or bool literal
	}
	return nil
}

// simpleString: b is a quoted JSON string that means its bytes as they are
// (no escapes, valid UTF-8, which json.Unmarshal would otherwise replace).
func simpleString(b []byte) bool {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return false
	}
	in := b[1 : len(b)-1]
	return bytes.IndexByte(in, '\\') < 0 && bytes.IndexByte(in, '"') < 0 && utf8.Valid(in)
}

// flexInt accepts a number or a numeric string; Valid is false when the
// field was missing, null or not an integer.
type flexInt struct {
	V     int64
	Valid bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	f.V, f.Valid = parseInteger(string(s))
	return nil
}

// parseInteger accepts "123", "123.0" and "1.23e3" when the value is integral.
func parseInteger(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	fl, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(fl) || math.IsInf(fl, 0) || fl != math.Trunc(fl) || math.Abs(fl) >= 1<<63 {
		return 0, false
	}
	return int64(fl), true
}

// flexBool accepts true/false, "true"/"false" (any case), 1/0.
type flexBool struct {
	V     bool
	Valid bool
}

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "true", "1", "yes":
		f.V, f.Valid = true, true
	case "false", "0", "no":
		f.V, f.Valid = false, true
	default:
		f.V, f.Valid = false, false
	}
	return nil
}

// flexTime accepts the documented "2006-01-02T15:04:05" (UTC) with optional
// fraction and zone, a few close variants, and epoch numbers (ms; values
// below 1e11 are taken as seconds, since 1e11 ms is 1973 but 1e11 s is the
// year 5138). Unparseable or missing → zero time.
type flexTime struct{ T time.Time }

var timeLayouts = []string{
	"2006-01-02T15:04:05", // the documented form first: a failed try costs an error
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05 MST",
	"2006-01-02",
}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	f.T = parseTime(string(s))
	return nil
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if n, ok := parseInteger(s); ok {
		const secondsBelow = 100_000_000_000
		if n > -secondsBelow && n < secondsBelow {
			return time.Unix(n, 0).UTC()
		}
		return time.UnixMilli(n).UTC()
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
