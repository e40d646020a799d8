package csstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// storeAddr is where the ContentRedirect object store listens: another
// loopback host than the API's, as S3 is another host than api.8x8.com.
const storeAddr = "127.0.0.2:0"

// storeBucketPrefix + region is the path-style bucket of a region's objects.
const storeBucketPrefix = "cloud-storage-service-"

const amzDateLayout = "20060102T150405Z"

// storeCreds are the store's temporary credentials, like the STS session of
// 8x8's example presigned URL (reference §8).
type storeCreds struct {
	accessKey, sessionToken string
	secret                  []byte
}

func newStoreCreds() storeCreds {
	return storeCreds{accessKey: "ASIA" + strings.ToUpper(randomToken(16)), sessionToken: randomToken(64), secret: []byte(randomToken(32))}
}

// storeURL presigns object o of region for the store:
//
//	{StoreURL}/cloud-storage-service-{region}/content/EPS/{customerId}/{userId}/{objectId}?X-Amz-...
//
// With stale, the URL expired a minute ago (Faults.StaleRedirectRate).
func (s *Server) storeURL(region string, o Object, stale bool) string {
	secs := int64(s.opts.PresignLifetime / time.Second)
	signed := time.Now().UTC()
	if stale {
		signed = signed.Add(-time.Duration(secs)*time.Second - time.Minute)
	}
	segs := []string{storeBucketPrefix + region, "content", "EPS", o.CustomerID, o.UserID, o.ID}
	q := url.Values{
		"X-Amz-Algorithm":      {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":     {s.storeCreds.accessKey + "/" + signed.Format("20060102") + "/us-west-2/s3/aws4_request"},
		"X-Amz-Date":           {signed.Format(amzDateLayout)},
		"X-Amz-Expires":        {itoa(secs)},
		"X-Amz-SignedHeaders":  {"host"},
		"X-Amz-Security-Token": {s.storeCreds.sessionToken},
	}
	q.Set("X-Amz-Signature", s.storeSig("/"+strings.Join(segs, "/"), q))
	escaped := make([]string, len(segs))
	for i, seg := range segs {
		escaped[i] = url.PathEscape(seg)
	}
	return s.StoreURL + "/" + strings.Join(escaped, "/") + "?" + q.Encode()
}

// storeSig signs the unescaped path and every query parameter but the
// signature, so no part of the URL can be changed.
func (s *Server) storeSig(path string, q url.Values) string {
	m := hmac.New(sha256.New, s.storeCreds.secret)
	m.Write([]byte(path + "\n" + q.Encode()))
	return hex.EncodeToString(m.Sum(nil))
}

// handleStore is the S3-like object store: presigned GETs only, XML errors,
// Range always honoured. It is not behind the gateway: no Bearer, quota or
// 429/5xx, only the body faults a store can show.
func (s *Server) handleStore(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		writeS3Error(w, http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeS3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	q := query(r)
	sig := q.Get("X-Amz-Signature")
	if sig == "" {
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	q.Del("X-Amz-Signature")
	if !hmac.Equal([]byte(sig), []byte(s.storeSig(r.URL.Path, q))) {
		writeS3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		return
	}
	signed, err1 := time.Parse(amzDateLayout, q.Get("X-Amz-Date"))
	secs, err2 := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if err1 != nil || err2 != nil { // only the emulator signs, so this is its own bug
		writeS3Error(w, http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Amz-Date or X-Amz-Expires is malformed")
		return
	}
	if time.Now().After(signed.Add(time.Duration(secs) * time.Second)) {
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}
	// the signature vouches that the path has the shape storeURL made
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 6)
	if len(parts) != 6 {
		writeS3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	o, src, ok := s.downloadable(strings.TrimPrefix(parts[0], storeBucketPrefix), parts[5])
	if !ok {
		writeS3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	f := s.currentFaults()
	w.Header().Set("Content-Type", o.MimeType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": o.ObjectName}))
	s.serveBytes(w, r, faultySource(src, f), true, f.ResetRate, true) // never IgnoreRange: S3 honours Range
}

// downloadable returns an AVAILABLE object and its content.
func (s *Server) downloadable(region, id string) (Object, source, bool) {
	rg, ok := s.regions[region]
	if !ok {
		return Object{}, nil, false
	}
	rg.settle(time.Now().UnixNano())
	rg.mu.RLock()
	defer rg.mu.RUnlock()
	h, ok := rg.lookup(id)
	if !ok {
		return Object{}, nil, false
	}
	o, src, _ := s.snapshot(rg, h)
	return o, src, o.ObjectState == StateAvailable
}

// writeS3Error answers with S3's XML error document (messages are constants
// without XML metacharacters).
func writeS3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
}
