package client

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"time"
)

// errorBody is what an error answer says about itself, in whichever of the
// shapes the reference expects (§12.2): Apigee's fault envelope
// {"fault":{"faultstring","detail":{"errorcode"}}}, the token endpoint's
// {"ErrorCode","Error"}, a Spring-style {"message"} from the backend, or
// S3's <Error><Code/><Message/></Error> from the object store.
type errorBody struct {
	Code    string // machine-readable, e.g. "policies.ratelimit.QuotaViolation"
	Message string // human-readable, e.g. "Rate limit quota violation"
}

func parseErrorBody(raw []byte) errorBody {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return errorBody{}
	case raw[0] == '<':
		var x struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		}
		if xml.Unmarshal(raw, &x) != nil {
			return errorBody{}
		}
		return errorBody{Code: strings.TrimSpace(x.Code), Message: strings.TrimSpace(x.Message)}
	case raw[0] != '{':
		return errorBody{}
	}
	// encoding/json matches keys without regard to case, so "ErrorCode"
	// also catches a lower-case "errorCode", and Error a Spring "error".
	var j struct {
		Fault *struct {
			FaultString flexString `json:"faultstring"`
			Detail      struct {
				ErrorCode flexString `json:"errorcode"`
			} `json:"detail"`
		} `json:"fault"`
		ErrorCode flexString `json:"ErrorCode"`
		Error     flexString `json:"Error"`
		Message   flexString `json:"message"`
	}
	if json.Unmarshal(raw, &j) != nil {
		return errorBody{}
	}
	switch {
	case j.Fault != nil:
		return errorBody{Code: string(j.Fault.Detail.ErrorCode), Message: string(j.Fault.FaultString)}
	case j.ErrorCode != "":
		return errorBody{Code: string(j.ErrorCode), Message: string(j.Error)}
	}
	return errorBody{Message: string(j.Message)}
}

// describe puts what an error answer's body says into ae, scrubbed; with
// keepBody, a body of unknown shape is kept as an excerpt.
func describe(ae *APIError, sc *scrubber, raw []byte, keepBody bool) errorBody {
	said := parseErrorBody(raw)
	ae.Code, ae.Message = sc.scrub(said.Code), sc.scrub(said.Message)
	if said == (errorBody{}) && keepBody {
		ae.Body = excerpt(sc, raw)
	}
	return said
}

// throttledBy marks ae as the gateway throttling us (a 429, or a quota
// fault): retried after the answer's Retry-After, or a throttle backoff.
func throttledBy(ae *APIError, h http.Header) *retryable {
	ae.Err = ErrThrottled
	after, has := parseRetryAfter(h.Get("Retry-After"), time.Now())
	return &retryable{err: ae, retryAfter: after, hasAfter: has, throttled: true}
}

// throttled reports an Apigee Quota or SpikeArrest violation, which the
// gateway answers with HTTP 500 by default (reference §12.3).
func (b errorBody) throttled() bool {
	return strings.HasPrefix(b.Code, "policies.ratelimit.")
}

// codeHints says in plain words what the known error codes mean for a user.
var codeHints = map[string]string{
	"invalid_client":         "the API key or secret is wrong",
	"invalid_request":        "the token endpoint refused the request as malformed",
	"unsupported_grant_type": "the token endpoint refused the request as malformed",
	"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound": "the API key lacks the storage product",
	"keymanagement.service.invalid_access_token":                   "the service did not accept the access token",
	"keymanagement.service.access_token_expired":                   "the access token expired",
	"oauth.v2.InvalidAccessToken":                                  "the service did not accept the access token",
	"policies.ratelimit.QuotaViolation":                            "the API gateway's call quota is used up",
	"policies.ratelimit.SpikeArrestViolation":                      "too many calls at once for the API gateway (spike arrest)",
	"AccessDenied":          "the object store refused the presigned URL (it may have expired)",
	"SignatureDoesNotMatch": "the object store refused the presigned URL's signature",
}
