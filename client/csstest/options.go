package csstest

import (
	"fmt"
	"log/slog"
	"time"
)

// Options configures an emulator. The zero value is a usable empty tenant.
type Options struct {
	Addr          string        // listen address, default "127.0.0.1:0"
	Seed          int64         // synthetic tenant seed (default 1)
	Regions       []string      // account regions, default {"us-east","uk"}
	Objects       int           // synthetic objects per region (0 = none; hard cases added when > 0)
	From, To      time.Time     // createdTime range of synthetic objects (default 2023-01-01 .. 2024-12-31 UTC)
	Dir           string        // serve this folder's files as the first region's objects
	Key, Secret   string        // credentials (default random)
	TokenLifetime time.Duration // default 1799s
	ReadOnlyKey   bool          // restore and bulk delete answer 403
	RestoreDelay  time.Duration // ARCHIVED -> AVAILABLE delay after restore (0 = at next request)
	LimitAbove100 string        // "reject" (default, 400) or "clamp"
	Faults        Faults

	// PresignFormat is the body of /content?presignUrl=true (reference §4.5 [?]):
	// "json" (default) {"url":"..."}, "string" a JSON string, "text" the bare URL.
	PresignFormat string
	// BulkStepDelay is how long a bulk job stays in NOT_STARTED and then in
	// IN_PROGRESS (default 0: done at the first status query).
	BulkStepDelay time.Duration
	// BulkLimit caps the bytes of one bulk zip; larger jobs FAIL (default 2 GB).
	BulkLimit int64
	// MultipartThreshold: generated content larger than this gets an
	// S3-multipart-style checksum "<md5>-N" instead of a plain MD5, which the
	// reference says clients must not verify; it spares hashing gigabytes for
	// every search page (default 8 MiB; negative = always plain MD5).
	MultipartThreshold int64

	Logger *slog.Logger // optional request log
}

// Faults are injected failures; change them at run time with Server.SetFaults.
type Faults struct {
	Latency       time.Duration // added before every response
	SpikeRate     float64       // fraction of requests delayed by SpikeLatency
	SpikeLatency  time.Duration
	Bandwidth     int64         // bytes/s cap per response body (0 = unlimited)
	Rate429       float64       // fraction of storage requests answered 429 with Retry-After
	RetryAfter    time.Duration // value of Retry-After (whole seconds, default 1s)
	Rate5xx       float64       // fraction answered 500/502/503/504
	ResetRate     float64       // fraction of /content bodies cut mid-body
	IgnoreRange   bool          // /content answers 200 with the whole body even when Range is sent
	ShortBodies   bool          // /content bodies end before storedBytes
	LongBodies    bool          // /content bodies carry extra bytes beyond storedBytes
	MalformedRate float64       // fraction of JSON responses (search/object) replaced by broken JSON
}

// knownRegions are the five regions of the API's server enum (reference §2).
var knownRegions = []string{"us-west", "us-east", "uk", "ap", "ca"}

func isKnownRegion(r string) bool {
	for _, k := range knownRegions {
		if k == r {
			return true
		}
	}
	return false
}

const (
	defaultTokenLifetime = 1799 * time.Second
	defaultBulkLimit     = 2 << 30
	defaultMultipart     = 8 << 20
	presignLifetime      = 1800 * time.Second
)

// withDefaults validates opts and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if len(o.Regions) == 0 {
		o.Regions = []string{"us-east", "uk"}
	}
	seen := map[string]bool{}
	for _, r := range o.Regions {
		if !isKnownRegion(r) {
			return o, fmt.Errorf("region %q is not one of %v", r, knownRegions)
		}
		if seen[r] {
			return o, fmt.Errorf("region %q listed twice", r)
		}
		seen[r] = true
	}
	if o.Objects < 0 {
		return o, fmt.Errorf("negative object count %d", o.Objects)
	}
	if o.From.IsZero() {
		o.From = defaultFrom()
	}
	if o.To.IsZero() {
		o.To = time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)
	}
	if !o.To.After(o.From) {
		return o, fmt.Errorf("time range %v..%v is empty", o.From, o.To)
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = defaultTokenLifetime
	}
	switch o.LimitAbove100 {
	case "":
		o.LimitAbove100 = "reject"
	case "reject", "clamp":
	default:
		return o, fmt.Errorf("LimitAbove100 %q: want reject or clamp", o.LimitAbove100)
	}
	switch o.PresignFormat {
	case "":
		o.PresignFormat = "json"
	case "json", "string", "text":
	default:
		return o, fmt.Errorf("PresignFormat %q: want json, string or text", o.PresignFormat)
	}
	if o.BulkLimit <= 0 {
		o.BulkLimit = defaultBulkLimit
	}
	if o.MultipartThreshold == 0 {
		o.MultipartThreshold = defaultMultipart
	}
	return o, nil
}

func defaultFrom() time.Time { return time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC) }
