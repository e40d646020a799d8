package csstest

import (
	"net/http"
	"net/url"
	"strings"
)

// query parses the query string splitting on '&' only: the API's own curl
// examples send FIQL filters unencoded, and net/url drops any parameter
// containing ';' (golang.org/issue/25192).
func query(r *http.Request) url.Values {
	v := url.Values{}
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		if part == "" {
			continue
		}
		key, val, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(key)
		x, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil {
			k, x = key, val // keep malformed escapes verbatim rather than losing the parameter
		}
		v.Add(k, x)
	}
	return v
}
