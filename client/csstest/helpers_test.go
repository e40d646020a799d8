package csstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// emu is a started emulator plus a token, for tests.
type emu struct {
	t   *testing.T
	s   *Server
	tok string
}

func startEmu(t *testing.T, opts Options) *emu {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e := &emu{t: t, s: s}
	e.tok = e.token()
	return e
}

// token fetches a token the way curl -u key:secret -d grant_type=... does.
func (e *emu) token() string {
	e.t.Helper()
	resp, body := e.do(tokenRequest(e.t, e.s.URL, e.s.Key, e.s.Secret, "client_credentials"))
	if resp.StatusCode != 200 {
		e.t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		e.t.Fatalf("token json: %v", err)
	}
	return m["access_token"].(string)
}

func tokenRequest(t *testing.T, base, key, secret, grant string) *http.Request {
	t.Helper()
	form := url.Values{}
	if grant != "" {
		form.Set("grant_type", grant)
	}
	req, err := http.NewRequest("POST", base+"/oauth/v2/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(key, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func (e *emu) do(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s: %v", req.URL, err)
	}
	return resp, body
}

// call makes an authenticated storage call; path is relative to /storage/{region}/v3.
func (e *emu) call(method, region, path, body string, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.s.URL+"/storage/"+region+"/v3"+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tok)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return e.do(req)
}

func (e *emu) get(region, path string, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	return e.call("GET", region, path, "", hdr...)
}

// page decodes a search page of the default paging ("offset", with total).
type page struct {
	Content  []Object `json:"content"`
	PageKey  int64    `json:"pageKey"`
	PageSize int64    `json:"pageSize"`
	LastPage bool     `json:"lastPage"`
	Total    int64    `json:"total"`
}

// search runs one search page and decodes it.
func (e *emu) search(region string, q url.Values) page {
	e.t.Helper()
	resp, body := e.get(region, "/objects?"+q.Encode())
	if resp.StatusCode != 200 {
		e.t.Fatalf("search %v: %d %s", q, resp.StatusCode, body)
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		e.t.Fatalf("search json: %v", err)
	}
	return p
}

// searchAll pages through a filter and returns every object.
func (e *emu) searchAll(region, filter string) []Object {
	e.t.Helper()
	var out []Object
	for key := int64(0); ; {
		p := e.search(region, url.Values{"filter": {filter}, "pageKey": {itoa(key)}})
		out = append(out, p.Content...)
		if p.LastPage {
			return out
		}
		key = p.PageKey
	}
}

func decodeMap(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return m
}
