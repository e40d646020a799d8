package naming

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cssfs/cssfs/client"
)

// A Template makes a name from an object's fields and tags, e.g.
// "{tag:startTime:ms:15-04-05} {tag:direction} {tag:duration:ms}{ext}".
// Fields:
//
//	{id} {objectName} {type}   the object's own fields
//	{ext}                      its extension with the dot (from objectName or mimeType), or nothing
//	{created:LAYOUT}           createdTime, formatted with a Go time layout
//	{tag:KEY}                  a tag's value; {tag:A|B} the first of A and B the object has
//	{tag:KEY:ms}               a tag holding milliseconds, as a duration (20m28s)
//	{tag:KEY:ms:LAYOUT}        a tag holding epoch milliseconds, as a time
//
// An object that lacks a field (a tag, a usable time) does not fit the
// template, and is named another way.
type Template struct {
	src   string
	parts []part
}

type fieldKind int

const (
	literal fieldKind = iota
	fieldID
	fieldObjectName
	fieldType
	fieldExt
	fieldCreated
	fieldTag         // the tag's text
	fieldTagDuration // the tag as milliseconds of duration
	fieldTagTime     // the tag as epoch milliseconds
)

type part struct {
	kind   fieldKind
	text   string   // literal text
	keys   []string // tag keys, first present wins
	layout string   // time layout
}

// Fields lists the fields a template may use, for messages.
const Fields = "{id}, {objectName}, {type}, {ext}, {created:LAYOUT}, {tag:KEY}, {tag:KEY:ms} or {tag:KEY:ms:LAYOUT}"

// ParseTemplate checks a template and compiles it.
func ParseTemplate(src string) (*Template, error) {
	t := &Template{src: src}
	fields := 0
	for rest := src; rest != ""; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			t.parts = append(t.parts, part{kind: literal, text: rest})
			break
		}
		if open > 0 {
			t.parts = append(t.parts, part{kind: literal, text: rest[:open]})
		}
		at := len(src) - len(rest) + open
		if rest[open] == '}' {
			return nil, fmt.Errorf("template %q: the \"}\" at byte %d closes nothing", src, at)
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("template %q: the \"{\" at byte %d is never closed", src, at)
		}
		p, err := parseField(rest[open+1 : open+end])
		if err != nil {
			return nil, fmt.Errorf("template %q: %w", src, err)
		}
		t.parts = append(t.parts, p)
		fields++
		rest = rest[open+end+1:]
	}
	switch {
	case strings.Contains(src, "/"):
		return nil, fmt.Errorf("template %q: a name cannot hold \"/\" (directories come from --layout)", src)
	case fields == 0 || (fields == 1 && t.only(fieldExt)):
		return nil, fmt.Errorf("template %q has no field that tells objects apart: use %s", src, Fields)
	}
	return t, nil
}

func (t *Template) only(k fieldKind) bool {
	for _, p := range t.parts {
		if p.kind != literal && p.kind != k {
			return false
		}
	}
	return true
}

func (t *Template) String() string { return t.src }

func parseField(f string) (part, error) {
	name, arg, hasArg := strings.Cut(f, ":")
	switch {
	case f == "id":
		return part{kind: fieldID}, nil
	case f == "objectName":
		return part{kind: fieldObjectName}, nil
	case f == "type":
		return part{kind: fieldType}, nil
	case f == "ext":
		return part{kind: fieldExt}, nil
	case name == "created":
		if !hasArg {
			return part{}, errors.New("{created} needs a layout, e.g. {created:2006-01-02 15-04-05}")
		}
		return part{kind: fieldCreated, layout: arg}, checkLayout(arg)
	case name == "tag":
		key, opts, _ := strings.Cut(arg, ":")
		keys := strings.Split(key, "|")
		for _, k := range keys {
			if strings.TrimSpace(k) == "" {
				return part{}, fmt.Errorf("{%s} names no tag: want {tag:KEY}", f)
			}
		}
		switch unit, layout, hasLayout := strings.Cut(opts, ":"); {
		case opts == "":
			return part{kind: fieldTag, keys: keys}, nil
		case unit != "ms":
			return part{}, fmt.Errorf("{%s}: unknown unit %q, want {tag:KEY:ms} or {tag:KEY:ms:LAYOUT}", f, unit)
		case !hasLayout:
			return part{kind: fieldTagDuration, keys: keys}, nil
		default:
			return part{kind: fieldTagTime, keys: keys, layout: layout}, checkLayout(layout)
		}
	}
	return part{}, fmt.Errorf("unknown field {%s}: want %s", f, Fields)
}

// checkLayout refuses a Go time layout that shows no part of a time.
func checkLayout(layout string) error {
	if layout == "" || time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).Format(layout) == layout {
		return fmt.Errorf("time layout %q shows no part of a time: use Go's reference time, e.g. 2006-01-02 15-04-05", layout)
	}
	return nil
}

// render fills the template for o, or reports that o lacks a field.
func (t *Template) render(o *client.Object, loc *time.Location) (string, bool) {
	var b strings.Builder
	for _, p := range t.parts {
		v, ok := p.value(o, loc)
		if !ok {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

func (p part) value(o *client.Object, loc *time.Location) (string, bool) {
	switch p.kind {
	case literal:
		return p.text, true
	case fieldID:
		return o.ID, o.ID != ""
	case fieldObjectName:
		return o.ObjectName, o.ObjectName != ""
	case fieldType:
		return o.Type, o.Type != ""
	case fieldExt:
		return extension(o), true
	case fieldCreated:
		return o.CreatedTime.In(loc).Format(p.layout), !o.CreatedTime.IsZero()
	}
	v, ok := firstTag(o, p.keys)
	if !ok || p.kind == fieldTag {
		return v, ok
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || ms < 0 {
		return "", false
	}
	if p.kind == fieldTagTime {
		return time.UnixMilli(ms).In(loc).Format(p.layout), true
	}
	return (time.Duration(ms) * time.Millisecond).Truncate(time.Second).String(), true
}

func firstTag(o *client.Object, keys []string) (string, bool) {
	for _, k := range keys {
		if v, ok := o.Tag(k); ok && strings.TrimSpace(v) != "" {
			return v, true
		}
	}
	return "", false
}
