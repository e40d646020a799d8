package csstest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

var errUnsatisfiable = errors.New("range not satisfiable")

// parseRange parses a single "bytes=a-b", "bytes=a-" or "bytes=-n" range
// against size, returning inclusive bounds. Syntax it does not understand
// (e.g. multiple ranges) is an error other than errUnsatisfiable: the caller
// then serves the whole body, as RFC 9110 allows.
func parseRange(spec string, size int64) (int64, int64, error) {
	v, ok := strings.CutPrefix(spec, "bytes=")
	if !ok || strings.Contains(v, ",") {
		return 0, 0, fmt.Errorf("unsupported range %q", spec)
	}
	first, last, ok := strings.Cut(strings.TrimSpace(v), "-")
	if !ok {
		return 0, 0, fmt.Errorf("malformed range %q", spec)
	}
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("malformed range %q", spec)
		}
		if n == 0 || size == 0 {
			return 0, 0, fmt.Errorf("%w: %s of %d bytes", errUnsatisfiable, spec, size)
		}
		return max(0, size-n), size - 1, nil
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, 0, fmt.Errorf("malformed range %q", spec)
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, 0, fmt.Errorf("malformed range %q", spec)
		}
	}
	if a >= size {
		return 0, 0, fmt.Errorf("%w: %s of %d bytes", errUnsatisfiable, spec, size)
	}
	return a, min(b, size-1), nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func randFloat() float64 { return rand.Float64() }
