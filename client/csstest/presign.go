package csstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// presignURL makes an unauthenticated, HMAC-signed URL valid for
// Options.PresignLifetime (like the S3 URLs of reference §4.5). kind is
// "object" or "zip".
func (s *Server) presignURL(kind, region, name string) string {
	exp := time.Now().Add(s.opts.PresignLifetime).Unix()
	sig := s.presignSig(kind, region, name, exp)
	return s.URL + "/_emulator/presigned/" + kind + "/" + url.PathEscape(region) + "/" + url.PathEscape(name) +
		"?X-Amz-Expires=" + itoa(int64(s.opts.PresignLifetime/time.Second)) + "&expires=" + strconv.FormatInt(exp, 10) + "&sig=" + sig
}

func (s *Server) presignSig(kind, region, name string, exp int64) string {
	m := hmac.New(sha256.New, s.presignKey)
	m.Write([]byte(kind + "\x00" + region + "\x00" + name + "\x00" + strconv.FormatInt(exp, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// writePresigned answers with the URL in the format of Options.PresignFormat.
func (s *Server) writePresigned(w http.ResponseWriter, r *http.Request, u string) {
	switch s.opts.PresignFormat {
	case "text":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(u))
	case "string":
		s.writeJSON(w, r, http.StatusOK, u, false)
	default:
		s.writeJSON(w, r, http.StatusOK, map[string]string{"url": u}, false)
	}
}

// handlePresigned serves a presigned object or zip without auth (Range honoured, like S3).
func (s *Server) handlePresigned(w http.ResponseWriter, r *http.Request) {
	kind, region, name := r.PathValue("kind"), r.PathValue("region"), r.PathValue("name")
	exp, err := strconv.ParseInt(query(r).Get("expires"), 10, 64)
	want := s.presignSig(kind, region, name, exp)
	if err != nil || !hmac.Equal([]byte(want), []byte(query(r).Get("sig"))) {
		writeError(w, r, http.StatusForbidden, "SignatureDoesNotMatch")
		return
	}
	if time.Now().Unix() > exp {
		writeError(w, r, http.StatusForbidden, "Request has expired")
		return
	}
	if kind == "zip" {
		rg, ok := s.regions[region]
		if !ok {
			writeError(w, r, http.StatusNotFound, "NoSuchKey")
			return
		}
		s.serveZip(w, r, rg, name)
		return
	}
	o, src, ok := s.downloadable(region, name)
	if !ok {
		writeError(w, r, http.StatusNotFound, "NoSuchKey")
		return
	}
	w.Header().Set("Content-Type", o.MimeType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": o.ObjectName}))
	s.serveBytes(w, r, src, true, 0, true)
}
