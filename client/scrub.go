package client

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// maxScrubTokens bounds how many past access tokens are remembered for scrubbing.
const maxScrubTokens = 8

var bearerPattern = regexp.MustCompile(`(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+`)

// presignPattern finds the secret parts of a presigned object-store URL
// (S3's X-Amz-Signature, -Credential and -Security-Token, and the older
// Signature=, AWSAccessKeyId=): a URL that leaks them works for anyone.
var presignPattern = regexp.MustCompile(`(?i)((?:x-amz-(?:signature|credential|security-token)|signature|awsaccesskeyid|sig)=)[^&\s"'<>]+`)

// scrubber removes secrets (client secret, Basic credentials, access tokens)
// from any text that may reach an error message or a log line.
type scrubber struct {
	mu      sync.Mutex
	secrets []string // fixed: secret and its encodings
	tokens  []string // recent access tokens, newest last
}

func newScrubber(key, secret string) *scrubber {
	s := &scrubber{}
	if secret == "" {
		return s
	}
	s.secrets = append(s.secrets,
		secret,
		url.QueryEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(key+":"+secret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(key)+":"+url.QueryEscape(secret))),
	)
	return s
}

func (s *scrubber) addToken(tok string) {
	if tok == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t == tok {
			return
		}
	}
	s.tokens = append(s.tokens, tok)
	if len(s.tokens) > maxScrubTokens {
		s.tokens = s.tokens[len(s.tokens)-maxScrubTokens:]
	}
}

func (s *scrubber) scrub(text string) string {
	if s == nil || text == "" {
		return text
	}
	text = bearerPattern.ReplaceAllString(text, "$1 [REDACTED]")
	text = presignPattern.ReplaceAllString(text, "${1}[REDACTED]")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.secrets {
		if v != "" {
			text = strings.ReplaceAll(text, v, "[REDACTED]")
		}
	}
	for _, v := range s.tokens {
		text = strings.ReplaceAll(text, v, "[REDACTED]")
	}
	return text
}
