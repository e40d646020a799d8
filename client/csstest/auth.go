package csstest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

var productList = []string{"CE-PCS-Product", "CE-RCS-Product", "Chat", "QM - API", "analytics product",
	"analytics realtime-api", "chat-gateway", "storage", "vcc"}

// tokenLength matches the 28-character opaque Apigee tokens of reference §1.3.
const tokenLength = 28

// handleToken is the Apigee-style client_credentials token endpoint (reference §1).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeApigee(w, http.StatusBadRequest, "invalid_request", "Invalid request body")
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		writeApigee(w, http.StatusBadRequest, "invalid_request", "Required param : grant_type")
		return
	default:
		writeApigee(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported Grant Type : "+gt)
		return
	}
	key, secret, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(s.Key)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.Secret)) != 1 {
		writeApigee(w, http.StatusUnauthorized, "invalid_client", "ClientId is Invalid")
		return
	}
	now := time.Now()
	tok := randomToken(tokenLength)
	s.tokensMu.Lock()
	s.tokens[tok] = now.Add(s.opts.TokenLifetime).UnixNano()
	s.tokensMu.Unlock()
	products := s.products()
	body := map[string]any{
		"access_token":             tok,
		"token_type":               "BearerToken",
		"api_product_list":         "[" + strings.Join(products, ", ") + "]",
		"api_product_list_json":    products,
		"status":                   "approved",
		"scope":                    "",
		"refresh_token_expires_in": "0",
		"expires_in":               fmt.Sprint(int64(s.opts.TokenLifetime / time.Second)),
		"refresh_count":            "0",
		"developer.email":          "deprecated",
		"issued_at":                fmt.Sprint(now.UnixMilli()),
		"client_id":                "deprecated",
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(body)
}

// products is the key's API products: without "storage" under Options.NoStorageProduct.
func (s *Server) products() []string {
	if !s.opts.NoStorageProduct {
		return productList
	}
	return slices.DeleteFunc(slices.Clone(productList), func(p string) bool { return p == "storage" })
}

func writeApigee(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"ErrorCode": code, "Error": msg})
}

// checkBearer answers 401 with an Apigee fault body unless the request
// carries a live token.
func (s *Server) checkBearer(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		writeFault(w, "Invalid access token", "oauth.v2.InvalidAccessToken")
		return false
	}
	s.tokensMu.Lock()
	exp, known := s.tokens[tok]
	s.tokensMu.Unlock()
	switch {
	case !known:
		writeFault(w, "Invalid Access Token", "keymanagement.service.invalid_access_token")
		return false
	case time.Now().UnixNano() >= exp:
		writeFault(w, "Access Token expired", "keymanagement.service.access_token_expired")
		return false
	}
	return true
}

func writeFault(w http.ResponseWriter, msg, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"fault": map[string]any{"faultstring": msg, "detail": map[string]string{"errorcode": code}},
	})
}

// ExpireTokens makes every issued token expired (tests of the refresh path).
func (s *Server) ExpireTokens() {
	s.tokensMu.Lock()
	for t := range s.tokens {
		s.tokens[t] = 0
	}
	s.tokensMu.Unlock()
}

// IssueToken mints a valid token without an HTTP round trip.
func (s *Server) IssueToken() string {
	tok := randomToken(tokenLength)
	s.tokensMu.Lock()
	s.tokens[tok] = time.Now().Add(s.opts.TokenLifetime).UnixNano()
	s.tokensMu.Unlock()
	return tok
}
