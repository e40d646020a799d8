package csstest

import (
	"errors"
	"fmt"
	"strings"
)

// The filter language is RSQL (a FIQL superset) as in reference §5.5:
// comparisons joined by ';'/" and " (AND, binds tighter) and ','/" or " (OR),
// parentheses, and single- or double-quoted values with backslash escapes.

// node is a parsed filter expression.
type node interface {
	// mentions reports whether any comparison uses the selector.
	mentions(selector string) bool
}

// andNode is a conjunction of its children.
type andNode struct{ children []node }

// orNode is a disjunction of its children.
type orNode struct{ children []node }

// comparison is one "selector op args" predicate.
type comparison struct {
	selector string
	op       string // canonical: == != =gt= =ge= =lt= =le= =in= =out=
	args     []string
	nums     []float64 // args parsed as numbers (valid where isNum)
	isNum    []bool
}

func (n *andNode) mentions(s string) bool { return anyMentions(n.children, s) }
func (n *orNode) mentions(s string) bool  { return anyMentions(n.children, s) }
func (c *comparison) mentions(s string) bool {
	return c.selector == s
}

func anyMentions(children []node, s string) bool {
	for _, c := range children {
		if c.mentions(s) {
			return true
		}
	}
	return false
}

// errFilter marks every parse failure so handlers can answer 400.
var errFilter = errors.New("invalid filter")

// parseFilter parses an RSQL/FIQL expression.
func parseFilter(s string) (node, error) {
	p := &fiqlParser{src: s}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errorf("unexpected %q", p.src[p.pos:])
	}
	return n, nil
}

type fiqlParser struct {
	src   string
	pos   int
	depth int
}

const maxFilterDepth = 64

func (p *fiqlParser) errorf(format string, a ...any) error {
	return fmt.Errorf("%w at offset %d: %s", errFilter, p.pos, fmt.Sprintf(format, a...))
}

func (p *fiqlParser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isReserved lists the characters that end an unreserved string.
func isReserved(c byte) bool {
	switch c {
	case '"', '\'', '(', ')', ';', ',', '=', '<', '>', '!', '~':
		return true
	}
	return isSpace(c)
}

// keyword consumes " and " / " or " style word operators (surrounded by space).
func (p *fiqlParser) keyword(word string) bool {
	start := p.pos
	if start == 0 || !isSpace(p.src[start-1]) {
		return false
	}
	end := start + len(word)
	if end >= len(p.src) || !strings.EqualFold(p.src[start:end], word) || !isSpace(p.src[end]) {
		return false
	}
	p.pos = end
	return true
}

func (p *fiqlParser) parseOr() (node, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	children := []node{first}
	for {
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
		} else if !p.keyword("or") {
			break
		}
		next, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		children = append(children, next)
	}
	if len(children) == 1 {
		return first, nil
	}
	return &orNode{children: children}, nil
}

func (p *fiqlParser) parseAnd() (node, error) {
	first, err := p.parseConstraint()
	if err != nil {
		return nil, err
	}
	children := []node{first}
	for {
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ';' {
			p.pos++
		} else if !p.keyword("and") {
			break
		}
		next, err := p.parseConstraint()
		if err != nil {
			return nil, err
		}
		children = append(children, next)
	}
	if len(children) == 1 {
		return first, nil
	}
	return &andNode{children: children}, nil
}

func (p *fiqlParser) parseConstraint() (node, error) {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		p.depth++
		if p.depth > maxFilterDepth {
			return nil, p.errorf("nesting too deep")
		}
		p.pos++
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, p.errorf("missing ')'")
		}
		p.pos++
		p.depth--
		return n, nil
	}
	return p.parseComparison()
}

func (p *fiqlParser) parseComparison() (node, error) {
	sel := p.unreserved()
	if sel == "" {
		return nil, p.errorf("expected selector")
	}
	p.skipSpace()
	op, err := p.comparator()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	args, err := p.arguments()
	if err != nil {
		return nil, err
	}
	if len(args) > 1 && op != "=in=" && op != "=out=" {
		return nil, p.errorf("operator %s takes one value", op)
	}
	c := &comparison{selector: sel, op: op, args: args, nums: make([]float64, len(args)), isNum: make([]bool, len(args))}
	for i, a := range args {
		c.nums[i], c.isNum[i] = parseNumber(a)
	}
	return c, nil
}

func (p *fiqlParser) unreserved() string {
	start := p.pos
	for p.pos < len(p.src) && !isReserved(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// comparator reads an operator and returns its canonical form.
func (p *fiqlParser) comparator() (string, error) {
	rest := p.src[p.pos:]
	for _, alias := range []struct{ text, canon string }{
		{"!=", "!="}, {"<=", "=le="}, {">=", "=ge="}, {"<", "=lt="}, {">", "=gt="},
	} {
		if strings.HasPrefix(rest, alias.text) {
			p.pos += len(alias.text)
			return alias.canon, nil
		}
	}
	if !strings.HasPrefix(rest, "=") {
		return "", p.errorf("expected operator")
	}
	end := 1
	for end < len(rest) && isAlpha(rest[end]) {
		end++
	}
	if end >= len(rest) || rest[end] != '=' {
		return "", p.errorf("malformed operator")
	}
	op := rest[:end+1]
	switch op {
	case "==", "=gt=", "=ge=", "=lt=", "=le=", "=in=", "=out=":
	default:
		return "", p.errorf("unknown operator %s", op)
	}
	p.pos += len(op)
	return op, nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *fiqlParser) arguments() ([]string, error) {
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		p.pos++
		var args []string
		for {
			p.skipSpace()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			args = append(args, v)
			p.skipSpace()
			if p.pos >= len(p.src) {
				return nil, p.errorf("missing ')' after values")
			}
			if p.src[p.pos] == ')' {
				p.pos++
				return args, nil
			}
			if p.src[p.pos] != ',' {
				return nil, p.errorf("expected ',' or ')'")
			}
			p.pos++
		}
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	return []string{v}, nil
}

func (p *fiqlParser) value() (string, error) {
	if p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		return p.quoted()
	}
	v := p.unreserved()
	if v == "" {
		return "", p.errorf("expected value")
	}
	return v, nil
}

func (p *fiqlParser) quoted() (string, error) {
	quote := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.src):
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		case c == quote:
			p.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf("unterminated quoted value")
}
