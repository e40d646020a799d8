package csstest

import (
	"math"
	"strconv"
	"strings"
)

// selectorAliases maps the generic names of the API docs' examples (reference
// §5.2, [?]) to the real fields.
var selectorAliases = map[string]string{"name": "objectName", "size": "storedBytes", "objectId": "id"}

func canonicalSelector(sel string) string {
	if a, ok := selectorAliases[sel]; ok {
		return a
	}
	return sel
}

// parseNumber accepts plain decimal numbers only (no NaN, Inf or hex).
func parseNumber(s string) (float64, bool) {
	if s == "" || strings.ContainsAny(s, "xXnNiIpP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// fieldReader reads the filterable fields of one object. Caller holds rg.mu (read).
type fieldReader struct {
	s    *Server
	rg   *region
	h    int32
	meta *synthMeta
}

func (f *fieldReader) synth() *synthMeta {
	if f.meta == nil {
		m := f.s.tenant.meta(f.rg, f.h)
		f.meta = &m
	}
	return f.meta
}

// field returns the value of a top-level field or tag; createdTime and
// updatedTime are epoch milliseconds.
func (f *fieldReader) field(sel string) (string, bool) {
	r := &f.rg.recs[f.h]
	var ex *explicitObj
	if r.ext >= 0 {
		ex = f.rg.explicit[r.ext]
	}
	switch canonicalSelector(sel) {
	case "id":
		return f.rg.idOf(f.h), true
	case "type":
		return f.rg.typeName(f.h), true
	case "mimeType":
		return f.rg.mimeOf(f.h), true
	case "objectState":
		return stateNames[r.state], true
	case "storedBytes":
		return strconv.FormatInt(r.size, 10), true
	case "createdTime":
		return strconv.FormatInt(r.created*1000, 10), true
	case "checksumType":
		return "MD5", true
	case "customerId":
		if ex != nil && ex.customerID != "" {
			return ex.customerID, true
		}
		return f.s.tenant.customerID, true
	case "objectName":
		if ex != nil {
			return ex.name, true
		}
		return f.synth().name, true
	case "updatedTime":
		if ex != nil {
			return strconv.FormatInt(ex.updated*1000, 10), true
		}
		return strconv.FormatInt(f.synth().updated*1000, 10), true
	case "userId":
		if ex != nil {
			return ex.userID, true
		}
		return f.synth().userID, true
	case "bucketId":
		if ex != nil {
			return ex.bucketID, true
		}
		return f.synth().bucketID, true
	case "checksum":
		o, src, exact := f.s.snapshot(f.rg, f.h)
		sum, err := f.s.checksum(f.rg.name, o.ID, src, exact)
		return sum, err == nil
	}
	var tags []Tag
	if ex != nil {
		tags = ex.tags
	} else {
		tags = f.synth().tags
	}
	for _, t := range tags {
		if t.Key == sel {
			return t.Value, true
		}
	}
	return "", false
}

// eval reports whether the object matches n.
func (f *fieldReader) eval(n node) bool {
	switch n := n.(type) {
	case *andNode:
		for _, c := range n.children {
			if !f.eval(c) {
				return false
			}
		}
		return true
	case *orNode:
		for _, c := range n.children {
			if f.eval(c) {
				return true
			}
		}
		return false
	case *comparison:
		return f.compare(n)
	}
	return false
}

func (f *fieldReader) compare(c *comparison) bool {
	v, ok := f.field(c.selector)
	if !ok {
		// a field the object lacks equals nothing
		return c.op == "!=" || c.op == "=out="
	}
	vn, vIsNum := parseNumber(v)
	cmp := func(i int) int {
		if vIsNum && c.isNum[i] {
			switch {
			case vn < c.nums[i]:
				return -1
			case vn > c.nums[i]:
				return 1
			}
			return 0
		}
		return strings.Compare(v, c.args[i])
	}
	switch c.op {
	case "==":
		return cmp(0) == 0
	case "!=":
		return cmp(0) != 0
	case "=gt=":
		return cmp(0) > 0
	case "=ge=":
		return cmp(0) >= 0
	case "=lt=":
		return cmp(0) < 0
	case "=le=":
		return cmp(0) <= 0
	case "=in=", "=out=":
		in := false
		for i := range c.args {
			if cmp(i) == 0 {
				in = true
				break
			}
		}
		return in == (c.op == "=in=")
	}
	return false
}
