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
	// ShortRecordings: synthetic recordings last 0.1 to 0.6 s (a few kB),
	// so that copying a whole region of them is quick.
	ShortRecordings bool

	// Paging is how search pageKeys work (reference §6 [?]): "offset"
	// (default: a record offset, next = request + limit), "page" (a 1-based
	// page number, as the older spec said; 0 or absent = page 1, next = k+1)
	// or "opaque" (a signed string token bound to the query; absent or 0 =
	// start). Bucket searches always use offsets.
	Paging string
	// NoTotal leaves the `total` field out of search pages, as in every
	// published example (reference §6).
	NoTotal bool
	// ContentRedirect makes /content answer 302 to a presigned S3-style URL
	// on a second listener (Server.StoreURL, on 127.0.0.2) instead of
	// streaming the bytes (reference §8 [?]).
	ContentRedirect bool
	// PresignLifetime is the validity of presigned URLs (default 1800 s, the
	// X-Amz-Expires of 8x8's example).
	PresignLifetime time.Duration
	// QuotaPerMin > 0 is an Apigee Quota policy over all storage calls: at
	// most that many per QuotaWindow (default one minute), the rest 500 with
	// policies.ratelimit.QuotaViolation (reference §12.3).
	QuotaPerMin int
	QuotaWindow time.Duration
	// NoStorageProduct: tokens lack the "storage" API product, so storage
	// calls answer 401 "no apiproduct match" (reference §12.2).
	NoStorageProduct bool

	Logger *slog.Logger // optional request log

	clock func() time.Time // tests only: the quota window's clock (default time.Now)
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
	// StaleRedirectRate is the fraction of ContentRedirect 302s whose URL has
	// already expired, so the client must ask /content again.
	StaleRedirectRate float64
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
	defaultPresign       = 1800 * time.Second
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
	switch o.Paging {
	case "":
		o.Paging = "offset"
	case "offset", "page", "opaque":
	default:
		return o, fmt.Errorf("paging %q: want offset, page or opaque", o.Paging)
	}
	switch {
	case o.PresignLifetime == 0:
		o.PresignLifetime = defaultPresign
	case o.PresignLifetime < time.Second: // X-Amz-Expires counts whole seconds
		return o, fmt.Errorf("PresignLifetime %v: want at least 1s", o.PresignLifetime)
	}
	if o.QuotaPerMin < 0 {
		return o, fmt.Errorf("negative QuotaPerMin %d", o.QuotaPerMin)
	}
	switch {
	case o.QuotaWindow == 0:
		o.QuotaWindow = time.Minute
	case o.QuotaWindow < 0:
		return o, fmt.Errorf("negative QuotaWindow %v", o.QuotaWindow)
	}
	if o.clock == nil {
		o.clock = time.Now
	}
	return o, nil
}

func defaultFrom() time.Time { return time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC) }
