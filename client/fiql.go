package client

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// FIQL/RSQL filter builders (reference §5). Selectors are used verbatim;
// values are quoted when needed. Empty expressions are skipped by And/Or.

// Eq builds sel==val.
func Eq(sel, val string) string { return sel + "==" + QuoteValue(val) }

// Ne builds sel!=val.
func Ne(sel, val string) string { return sel + "!=" + QuoteValue(val) }

// Gt builds sel=gt=val.
func Gt(sel, val string) string { return sel + "=gt=" + QuoteValue(val) }

// Ge builds sel=ge=val.
func Ge(sel, val string) string { return sel + "=ge=" + QuoteValue(val) }

// Lt builds sel=lt=val.
func Lt(sel, val string) string { return sel + "=lt=" + QuoteValue(val) }

// Le builds sel=le=val.
func Le(sel, val string) string { return sel + "=le=" + QuoteValue(val) }

// In builds sel=in=(v1,v2,...). With no values it returns "" (no
// constraint), because FIQL cannot express an empty list: callers wanting
// "matches nothing" must not call it without values.
func In(sel string, vals ...string) string { return list(sel, "=in=", vals) }

// Out builds sel=out=(v1,v2,...); with no values it returns "" (which
// correctly excludes nothing).
func Out(sel string, vals ...string) string { return list(sel, "=out=", vals) }

func list(sel, op string, vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = QuoteValue(v)
	}
	return sel + op + "(" + strings.Join(q, ",") + ")"
}

// And joins expressions with ';', parenthesising any that contain a
// top-level OR (AND binds tighter than OR).
func And(exprs ...string) string {
	var parts []string
	for _, e := range exprs {
		if e != "" {
			parts = append(parts, e)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	for i, e := range parts {
		if hasTopLevelOr(e) {
			parts[i] = "(" + e + ")"
		}
	}
	return strings.Join(parts, ";")
}

// Or joins expressions with ','; no parentheses are needed since AND binds
// tighter and OR is associative.
func Or(exprs ...string) string {
	var parts []string
	for _, e := range exprs {
		if e != "" {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, ",")
}

// Millis formats t as epoch milliseconds, the unit of createdTime/updatedTime filters.
func Millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// QuoteValue returns v unchanged when it is a plain RSQL word, otherwise
// double-quoted with backslash escapes for '"' and '\'.
func QuoteValue(v string) string {
	if v != "" && !strings.ContainsFunc(v, needsQuote) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for _, r := range v {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

func needsQuote(r rune) bool {
	switch r {
	case '"', '\'', '(', ')', ';', ',', '=', '<', '>', '!', '~', '\\':
		return true
	}
	return unicode.IsSpace(r) || unicode.IsControl(r)
}

// hasTopLevelOr reports whether e has a ',' outside parentheses and quotes.
func hasTopLevelOr(e string) bool {
	depth := 0
	var quote rune
	escaped := false
	for _, r := range e {
		switch {
		case escaped:
			escaped = false
		case quote != 0:
			if r == '\\' {
				escaped = true
			} else if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			return true
		}
	}
	return false
}
