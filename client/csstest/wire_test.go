package csstest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTokenResponseShape(t *testing.T) {
	e := startEmu(t, Options{})
	resp, body := e.do(tokenRequest(t, e.s.URL, e.s.Key, e.s.Secret, "client_credentials"))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	m := decodeMap(t, body)
	for _, k := range []string{"access_token", "token_type", "api_product_list", "status", "scope",
		"refresh_token_expires_in", "expires_in", "refresh_count", "developer.email", "issued_at", "client_id"} {
		if _, ok := m[k].(string); !ok {
			t.Errorf("%s = %#v, want a string", k, m[k])
		}
	}
	if m["token_type"] != "BearerToken" || m["expires_in"] != "1799" || len(m["access_token"].(string)) != 28 {
		t.Errorf("token fields: %v", m)
	}
	if ms := m["issued_at"].(string); len(ms) != 13 {
		t.Errorf("issued_at %q is not epoch ms", ms)
	}
	list, ok := m["api_product_list_json"].([]any)
	if !ok || !strings.Contains(strings.Join(toStrings(list), ","), "storage") {
		t.Errorf("api_product_list_json = %#v", m["api_product_list_json"])
	}
}

func toStrings(xs []any) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i], _ = x.(string)
	}
	return out
}

func TestTokenErrors(t *testing.T) {
	e := startEmu(t, Options{Key: "k", Secret: "s"})
	resp, body := e.do(tokenRequest(t, e.s.URL, "k", "wrong", "client_credentials"))
	if m := decodeMap(t, body); resp.StatusCode != 401 || m["ErrorCode"] != "invalid_client" || m["Error"] != "ClientId is Invalid" {
		t.Errorf("bad secret: %d %s", resp.StatusCode, body)
	}
	for _, g := range []string{"", "password"} {
		if resp, body := e.do(tokenRequest(t, e.s.URL, "k", "s", g)); resp.StatusCode != 400 {
			t.Errorf("grant_type %q: %d %s", g, resp.StatusCode, body)
		}
	}
}

func TestBearerChecks(t *testing.T) {
	e := startEmu(t, Options{Objects: 10, TokenLifetime: time.Hour})
	for _, hdr := range []string{"", "Bearer nope", "Basic abc"} {
		req, _ := http.NewRequest("GET", e.s.URL+"/storage/us-east/v3/regions", nil)
		if hdr != "" {
			req.Header.Set("Authorization", hdr)
		}
		resp, body := e.do(req)
		m := decodeMap(t, body)
		if _, ok := m["fault"].(map[string]any); resp.StatusCode != 401 || !ok {
			t.Errorf("auth %q: %d %s", hdr, resp.StatusCode, body)
		}
	}
	e.s.ExpireTokens()
	resp, body := e.get("us-east", "/regions")
	if resp.StatusCode != 401 || !strings.Contains(string(body), "access_token_expired") {
		t.Errorf("expired token: %d %s", resp.StatusCode, body)
	}
	e.tok = e.token()
	if resp, _ := e.get("us-east", "/regions"); resp.StatusCode != 200 {
		t.Errorf("fresh token: %d", resp.StatusCode)
	}
}

func TestTokenLifetimeExpiry(t *testing.T) {
	e := startEmu(t, Options{TokenLifetime: time.Nanosecond})
	if resp, _ := e.get("us-east", "/regions"); resp.StatusCode != 401 {
		t.Errorf("token outlived its lifetime: %d", resp.StatusCode)
	}
}

func TestRegions(t *testing.T) {
	e := startEmu(t, Options{Objects: 5})
	for _, r := range []string{"us-west", "us-east", "uk", "ap", "ca"} {
		resp, body := e.get(r, "/regions")
		if resp.StatusCode != 200 || string(body) != `["us-east","uk"]` {
			t.Errorf("regions from %s: %d %s", r, resp.StatusCode, body)
		}
	}
	if resp, _ := e.get("eu", "/regions"); resp.StatusCode != 404 {
		t.Errorf("unknown region: %d", resp.StatusCode)
	}
	if resp, _ := e.get("ap", "/objects"); resp.StatusCode != 404 {
		t.Errorf("non-account region objects: %d", resp.StatusCode)
	}
}

func TestObjectAndPageShape(t *testing.T) {
	e := startEmu(t, Options{Objects: 50})
	resp, body := e.get("us-east", "/objects?filter=type==callrecording&limit=2")
	if resp.StatusCode != 200 {
		t.Fatalf("search: %d %s", resp.StatusCode, body)
	}
	m := decodeMap(t, body)
	for k, want := range map[string]string{"content": "array", "pageKey": "number", "pageSize": "number", "lastPage": "bool", "total": "number"} {
		if got := jsonKind(m[k]); got != want {
			t.Errorf("page.%s is %s, want %s", k, got, want)
		}
	}
	content := m["content"].([]any)
	if len(content) != 2 {
		t.Fatalf("content has %d items", len(content))
	}
	obj := content[0].(map[string]any)
	checkObjectShape(t, obj)
	id := obj["id"].(string)
	for _, p := range []string{"/objects/" + id, "/objects/" + id + "/metadata"} {
		resp, body := e.get("us-east", p)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		checkObjectShape(t, decodeMap(t, body))
	}
	if resp, _ := e.get("us-east", "/objects/00000000-0000-4000-8000-000000000000"); resp.StatusCode != 404 {
		t.Errorf("unknown id: %d", resp.StatusCode)
	}
}

func checkObjectShape(t *testing.T, obj map[string]any) {
	t.Helper()
	want := map[string]string{"id": "string", "type": "string", "mimeType": "string", "objectName": "string",
		"checksumType": "string", "checksum": "string", "customerId": "string", "userId": "string",
		"storedBytes": "number", "createdTime": "string", "updatedTime": "string", "objectState": "string",
		"bucketId": "string", "tags": "array", "shared": "bool"}
	for k, kind := range want {
		if got := jsonKind(obj[k]); got != kind {
			t.Errorf("object.%s is %s, want %s", k, got, kind)
		}
	}
	if len(obj) != len(want) {
		t.Errorf("object has %d fields, want %d: %v", len(obj), len(want), obj)
	}
	if obj["shared"] != false {
		t.Errorf("shared = %v", obj["shared"])
	}
	for _, k := range []string{"createdTime", "updatedTime"} {
		if _, err := time.Parse(TimeLayout, obj[k].(string)); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	for _, tag := range obj["tags"].([]any) {
		tm := tag.(map[string]any)
		if jsonKind(tm["key"]) != "string" || jsonKind(tm["value"]) != "string" || len(tm) != 2 {
			t.Errorf("tag %v", tm)
		}
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return "?"
}
