package csstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// maxNumericKey bounds numeric pageKeys so start+limit cannot overflow.
const maxNumericKey = 1 << 40

// tokenPrefix makes opaque pageKeys unmistakably non-numeric.
const tokenPrefix = "pk_"

// parseNumericKey parses an offset or page-number pageKey; absent is 0.
func parseNumericKey(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxNumericKey {
		return 0, fmt.Errorf("pageKey %q must be an integer between 0 and %d", v, int64(maxNumericKey))
	}
	return n, nil
}

// pageStart is the record offset the request's pageKey asks for, per Options.Paging.
func (s *Server) pageStart(region string, p searchParams) (int64, error) {
	switch s.opts.Paging {
	case "page":
		k, err := parseNumericKey(p.pageKey)
		if err != nil {
			return 0, err
		}
		return (max(k, 1) - 1) * p.limit, nil // 0 means page 1, so a client starting at 0 as documented works
	case "opaque":
		if p.pageKey == "" || p.pageKey == "0" {
			return 0, nil
		}
		return s.openPageToken(region, p)
	}
	return parseNumericKey(p.pageKey)
}

// nextPageKey is the response pageKey and lastPage of the page starting at start.
func (s *Server) nextPageKey(region string, p searchParams, start, total int64) (any, bool) {
	next := start + p.limit
	last := next >= total
	switch s.opts.Paging {
	case "page":
		return start/p.limit + 2, last // this page is start/limit+1; answer the next one
	case "opaque":
		return s.pageToken(region, p, next), last
	}
	return next, last // even on the last page, as 8x8's worked example shows
}

// pageToken is "pk_" + base64url(offset, MAC over offset and the query), so a
// token only works for the filter, sort and limit it was issued for.
func (s *Server) pageToken(region string, p searchParams, offset int64) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(offset))
	b = append(b, s.pageMAC(region, p, offset)...)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) openPageToken(region string, p searchParams) (int64, error) {
	bad := fmt.Errorf("pageKey %q was not issued for this search", p.pageKey)
	enc, ok := strings.CutPrefix(p.pageKey, tokenPrefix)
	if !ok {
		return 0, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(b) != 8+pageMACLen {
		return 0, bad
	}
	offset := int64(binary.BigEndian.Uint64(b))
	if !hmac.Equal(b[8:], s.pageMAC(region, p, offset)) || offset < 0 {
		return 0, bad
	}
	return offset, nil
}

const pageMACLen = 16

func (s *Server) pageMAC(region string, p searchParams, offset int64) []byte {
	m := hmac.New(sha256.New, s.pageKeySecret)
	fmt.Fprintf(m, "%d\x00%s\x00%s\x00%s\x00%t\x00%d", offset, region, p.filter, p.sortField, p.desc, p.limit)
	return m.Sum(nil)[:pageMACLen]
}

// total is the page's `total` field: the number of matching records, or
// absent with Options.NoTotal.
func (s *Server) total(n int64) *int64 {
	if s.opts.NoTotal {
		return nil
	}
	return &n
}
