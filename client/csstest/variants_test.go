package csstest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cssfs/cssfs/internal/fakeclock"
)

// rawPage is a search page with pageKey and total kept as raw JSON.
type rawPage struct {
	Content  []Object        `json:"content"`
	PageKey  json.RawMessage `json:"pageKey"`
	LastPage bool            `json:"lastPage"`
}

// searchRaw runs one search page; pageKey "" sends none.
func (e *emu) searchRaw(q url.Values, pageKey string) (int, rawPage, []byte) {
	e.t.Helper()
	q = maps.Clone(q) // Set replaces the slice, so a shallow copy suffices
	if pageKey != "" {
		q.Set("pageKey", pageKey)
	}
	resp, body := e.get("uk", "/objects?"+q.Encode())
	var p rawPage
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &p); err != nil {
			e.t.Fatalf("search json: %v", err)
		}
	}
	return resp.StatusCode, p, body
}

// keyParam turns a response pageKey (number or JSON string) into the next request's parameter.
func keyParam(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

// walk follows the returned pageKeys from start until lastPage, returning
// the ids seen and every response pageKey.
func (e *emu) walk(q url.Values, start string) (ids []string, keys []json.RawMessage) {
	e.t.Helper()
	key := start
	for range 50 {
		code, p, body := e.searchRaw(q, key)
		if code != 200 {
			e.t.Fatalf("pageKey %q: %d %s", key, code, body)
		}
		for _, o := range p.Content {
			ids = append(ids, o.ID)
		}
		keys = append(keys, p.PageKey)
		if p.LastPage {
			return ids, keys
		}
		key = keyParam(e.t, p.PageKey)
	}
	e.t.Fatal("no lastPage after 50 pages")
	return nil, nil
}

func checkEachOnce(t *testing.T, ids []string, n int) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("object %s listed twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Errorf("walk saw %d objects, want %d", len(seen), n)
	}
}

func pagingTenant(t *testing.T, opts Options, n int) *emu {
	opts.Regions = []string{"uk"}
	e := startEmu(t, opts)
	day := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		e.s.Add("uk", ObjectSpec{Type: "callrecording", Created: day.Add(time.Duration(i) * time.Minute), Size: 100})
	}
	return e
}

var limit100 = url.Values{"limit": {"100"}}

func TestPagingOffset(t *testing.T) {
	e := pagingTenant(t, Options{Paging: "offset"}, 250)
	ids, keys := e.walk(limit100, "0")
	checkEachOnce(t, ids, 250)
	if got := joinKeys(keys); got != "100,200,300" {
		t.Errorf("offset pageKeys %s, want 100,200,300", got)
	}
}

func joinKeys(keys []json.RawMessage) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}

func TestPagingPage(t *testing.T) {
	e := pagingTenant(t, Options{Paging: "page"}, 250)
	for _, start := range []string{"", "0", "1"} { // absent and 0 both mean page 1
		ids, keys := e.walk(limit100, start)
		checkEachOnce(t, ids, 250)
		if got := joinKeys(keys); got != "2,3,4" {
			t.Errorf("start %q: page pageKeys %s, want 2,3,4", start, got)
		}
	}
	// a client computing offsets (0, 100, 200...) gets page 1 and then pages far past the end
	var ids []string
	for off := 0; off < 300; off += 100 {
		_, p, _ := e.searchRaw(limit100, strconv.Itoa(off))
		for _, o := range p.Content {
			ids = append(ids, o.ID)
		}
		if off > 0 && (len(p.Content) != 0 || !p.LastPage) {
			t.Errorf("offset %d read as page %d: %d objects, lastPage %v", off, off, len(p.Content), p.LastPage)
		}
	}
	if len(ids) == 250 {
		t.Error("offset-computing client got every object in page mode")
	}
	if code, _, _ := e.searchRaw(limit100, "-1"); code != 400 {
		t.Errorf("pageKey -1: %d", code)
	}
}

func TestPagingOpaque(t *testing.T) {
	e := pagingTenant(t, Options{Paging: "opaque"}, 250)
	for _, start := range []string{"", "0"} {
		ids, keys := e.walk(limit100, start)
		checkEachOnce(t, ids, 250)
		if len(keys) != 3 {
			t.Fatalf("%d pages, want 3", len(keys))
		}
		for _, k := range keys { // a JSON string, also on the last page, that is no number
			var s string
			if err := json.Unmarshal(k, &s); err != nil || !strings.HasPrefix(s, "pk_") {
				t.Errorf("pageKey %s is not an opaque string token", k)
			}
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				t.Errorf("pageKey %s parses as a number", k)
			}
		}
	}
	_, first, _ := e.searchRaw(limit100, "")
	tok := keyParam(t, first.PageKey)
	if code, p, _ := e.searchRaw(limit100, tok); code != 200 || len(p.Content) != 100 {
		t.Fatalf("issued token: %d, %d objects", code, len(p.Content))
	}
	flipped := tok[:len(tok)-1] + map[bool]string{true: "A", false: "B"}[!strings.HasSuffix(tok, "A")]
	bad := map[string]struct {
		q   url.Values
		key string
	}{
		"forged":         {limit100, flipped},
		"garbage":        {limit100, "pk_!!!"},
		"numeric":        {limit100, "100"},
		"other limit":    {url.Values{"limit": {"50"}}, tok},
		"other filter":   {url.Values{"limit": {"100"}, "filter": {"type==callrecording"}}, tok},
		"other sort":     {url.Values{"limit": {"100"}, "sortDirection": {"DESC"}}, tok},
		"other sort key": {url.Values{"limit": {"100"}, "sortField": {"id"}}, tok},
	}
	for name, c := range bad {
		if code, _, body := e.searchRaw(c.q, c.key); code != 400 {
			t.Errorf("%s token: %d %s", name, code, body)
		}
	}
	// a token of another emulator (another key) is foreign too
	other := pagingTenant(t, Options{Paging: "opaque"}, 250)
	if code, _, _ := other.searchRaw(limit100, tok); code != 400 {
		t.Errorf("foreign emulator's token: %d", code)
	}
}

func TestPagingOption(t *testing.T) {
	if _, err := New(Options{Paging: "cursor"}); err == nil {
		t.Error("Paging cursor was accepted")
	}
	if _, err := New(Options{PresignLifetime: time.Millisecond}); err == nil {
		t.Error("PresignLifetime 1ms was accepted")
	}
	if _, err := New(Options{QuotaPerMin: -1}); err == nil {
		t.Error("negative QuotaPerMin was accepted")
	}
}

func TestNoTotal(t *testing.T) {
	for _, noTotal := range []bool{false, true} {
		e := pagingTenant(t, Options{NoTotal: noTotal}, 3)
		for _, path := range []string{"/objects?limit=2", "/buckets"} {
			resp, body := e.get("uk", path)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
			_, has := decodeMap(t, body)["total"]
			if has == noTotal {
				t.Errorf("NoTotal %v: %s has total: %v (%s)", noTotal, path, has, body)
			}
		}
	}
}

// noFollow is a client that returns redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (e *emu) doWith(c *http.Client, req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		e.t.Fatalf("read %s: %v", req.URL, err)
	}
	return resp, buf.Bytes()
}

// redirect asks /content for id without following, and returns the Location.
func (e *emu) redirect(id string) *url.URL {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.s.URL+"/storage/uk/v3/objects/"+id+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+e.tok)
	resp, body := e.doWith(noFollow, req)
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("content: %d %s, want 302", resp.StatusCode, body)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatalf("Location %q: %v", resp.Header.Get("Location"), err)
	}
	return u
}

// storeGet fetches a store URL with optional header pairs.
func (e *emu) storeGet(u string, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return e.doWith(noFollow, req)
}

func s3Error(code, msg string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>` + msg + `</Message></Error>`
}

func TestContentRedirect(t *testing.T) {
	e := startEmu(t, Options{Regions: []string{"uk"}, ContentRedirect: true})
	o := e.s.Add("uk", ObjectSpec{Type: "callrecording", Size: 5000})
	e.s.Add("uk", ObjectSpec{ID: "arch", Type: "callrecording", State: StateArchived, Size: 10})
	ra, size, err := e.s.Open("uk", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(t, ra, size)

	u := e.redirect(o.ID)
	if u.Hostname() != "127.0.0.2" || !strings.HasPrefix(e.s.StoreURL, "http://127.0.0.2:") || u.Scheme+"://"+u.Host != e.s.StoreURL {
		t.Errorf("Location %s is not on the store %s", u, e.s.StoreURL)
	}
	if wantPath := "/cloud-storage-service-uk/content/EPS/" + o.CustomerID + "/" + o.UserID + "/" + o.ID; u.Path != wantPath {
		t.Errorf("store path %s, want %s", u.Path, wantPath)
	}
	q := u.Query()
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"} {
		if q.Get(k) == "" {
			t.Errorf("Location lacks %s: %s", k, u)
		}
	}
	if q.Get("X-Amz-Expires") != "1800" || q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		t.Errorf("Location query %v", q)
	}
	if e.s.Count("content") != 1 {
		t.Errorf("content count %d after one 302", e.s.Count("content"))
	}

	resp, body := e.storeGet(u.String())
	if resp.StatusCode != 200 || !bytes.Equal(body, want) || resp.Header.Get("Content-Length") != strconv.FormatInt(size, 10) ||
		resp.Header.Get("Content-Type") != o.MimeType {
		t.Errorf("store GET: %d, %d bytes, headers %v", resp.StatusCode, len(body), resp.Header)
	}
	resp, body = e.storeGet(u.String(), "Range", "bytes=10-99")
	if resp.StatusCode != 206 || !bytes.Equal(body, want[10:100]) || resp.Header.Get("Content-Range") != "bytes 10-99/"+itoa(size) {
		t.Errorf("store Range: %d, %d bytes, Content-Range %q", resp.StatusCode, len(body), resp.Header.Get("Content-Range"))
	}
	resp, body = e.storeGet(u.String(), "Authorization", "Bearer "+e.tok)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/xml" || string(body) != s3Error("InvalidArgument",
		"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified") {
		t.Errorf("store with Authorization: %d %s", resp.StatusCode, body)
	}
	for name, change := range map[string]func(url.Values){
		"signature": func(q url.Values) { s := q.Get("X-Amz-Signature"); q.Set("X-Amz-Signature", s[:len(s)-1]+"x") },
		"expires":   func(q url.Values) { q.Set("X-Amz-Expires", "604800") },
	} {
		t2 := *u
		q := t2.Query()
		change(q)
		t2.RawQuery = q.Encode()
		resp, body = e.storeGet(t2.String())
		if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>SignatureDoesNotMatch</Code>") {
			t.Errorf("tampered %s: %d %s", name, resp.StatusCode, body)
		}
	}
	if e.s.Count("store") != 5 {
		t.Errorf("store count %d, want 5", e.s.Count("store"))
	}

	// Go's client follows the 302 and drops the Bearer token on the way to another host
	resp, body = e.get("uk", "/objects/"+o.ID+"/content")
	if resp.StatusCode != 200 || !bytes.Equal(body, want) {
		t.Errorf("followed redirect: %d, %d bytes", resp.StatusCode, len(body))
	}

	// the store is not behind the gateway: no injected 5xx or 429
	e.s.SetFaults(Faults{Rate5xx: 1, Rate429: 1})
	if resp, _ := e.storeGet(u.String()); resp.StatusCode != 200 {
		t.Errorf("store under gateway faults: %d", resp.StatusCode)
	}

	e.s.SetFaults(Faults{StaleRedirectRate: 1})
	resp, body = e.storeGet(e.redirect(o.ID).String())
	if resp.StatusCode != 403 || string(body) != s3Error("AccessDenied", "Request has expired") {
		t.Errorf("stale redirect: %d %s", resp.StatusCode, body)
	}

	e.s.SetFaults(Faults{})
	resp, _ = e.get("uk", "/objects/arch/content")
	if resp.StatusCode != 403 || resp.Request.URL.Host != strings.TrimPrefix(e.s.URL, "http://") {
		t.Errorf("ARCHIVED content: %d from %s, want 403 without redirect", resp.StatusCode, resp.Request.URL.Host)
	}
}

func TestContentRedirectOptions(t *testing.T) {
	e := startEmu(t, Options{Regions: []string{"uk"}, ContentRedirect: true, PresignLifetime: 90 * time.Second})
	o := e.s.Add("uk", ObjectSpec{Size: 100})
	u := e.redirect(o.ID)
	if u.Query().Get("X-Amz-Expires") != "90" {
		t.Errorf("X-Amz-Expires %s, want 90", u.Query().Get("X-Amz-Expires"))
	}
	resp, body := e.get("uk", "/objects/"+o.ID+"/content?presignUrl=true")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "X-Amz-Expires=90") {
		t.Errorf("presignUrl=true: %d %s", resp.StatusCode, body)
	}
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(u.String()); err == nil {
		t.Error("store still answers after Close")
	}
	if off := startEmu(t, Options{}); off.s.StoreURL != "" {
		t.Errorf("StoreURL %q without ContentRedirect", off.s.StoreURL)
	}
}

func TestQuota(t *testing.T) {
	clock := fakeclock.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	e := startEmu(t, Options{QuotaPerMin: 5, QuotaWindow: 2 * time.Second, clock: clock.Now})
	for i := 1; i <= 5; i++ {
		if resp, body := e.get("us-east", "/regions"); resp.StatusCode != 200 {
			t.Fatalf("call %d: %d %s", i, resp.StatusCode, body)
		}
	}
	for i := 6; i <= 7; i++ {
		resp, body := e.get("uk", "/objects")
		if resp.StatusCode != 500 || string(body) != quotaViolation || resp.Header.Get("Content-Type") != "application/json" ||
			resp.Header.Get("Retry-After") != "" {
			t.Errorf("call %d: %d %s %v", i, resp.StatusCode, body, resp.Header)
		}
	}
	if !strings.Contains(quotaViolation, `"errorcode":"policies.ratelimit.QuotaViolation"`) {
		t.Error("quota body lacks the errorcode")
	}
	if got := e.s.Count("throttled"); got != 2 {
		t.Errorf("throttled %d, want 2", got)
	}
	e.token() // the token endpoint is not under the quota
	clock.Add(1999 * time.Millisecond)
	if resp, _ := e.get("uk", "/regions"); resp.StatusCode != 500 {
		t.Errorf("before the window ends: %d", resp.StatusCode)
	}
	clock.Add(time.Millisecond)
	for i := 1; i <= 5; i++ { // a new window with its full quota: refused calls used none
		if resp, body := e.get("uk", "/regions"); resp.StatusCode != 200 {
			t.Fatalf("new window call %d: %d %s", i, resp.StatusCode, body)
		}
	}
	if resp, _ := e.get("uk", "/regions"); resp.StatusCode != 500 {
		t.Errorf("6th call of the new window: %d", resp.StatusCode)
	}
}

func TestNoStorageProduct(t *testing.T) {
	e := startEmu(t, Options{NoStorageProduct: true})
	_, body := e.do(tokenRequest(t, e.s.URL, e.s.Key, e.s.Secret, "client_credentials"))
	m := decodeMap(t, body)
	if strings.Contains(m["api_product_list"].(string), "storage") || len(m["api_product_list_json"].([]any)) != len(productList)-1 {
		t.Errorf("products still list storage: %s", body)
	}
	for _, p := range []string{"/regions", "/objects"} {
		resp, body := e.get("us-east", p)
		if resp.StatusCode != 401 || !strings.Contains(string(body), `"errorcode":"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"`) {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
}
