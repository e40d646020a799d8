// Package metrics exposes cssfs's counters to Prometheus: API traffic,
// the block cache, readahead and FUSE operations.
package metrics

import (
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cssfs/cssfs/cache"
)

// Metrics holds every cssfs metric in its own registry.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	retries        *prometheus.CounterVec
	throttled      *prometheus.CounterVec
	rate           prometheus.Gauge
	contentBytes   prometheus.Counter
	tokenFetches   *prometheus.CounterVec
	readahead      prometheus.Histogram
	fuseOps        *prometheus.CounterVec
	fuseSeconds    *prometheus.HistogramVec
	openFiles      prometheus.Gauge
}

// New makes the metrics and registers them (with Go and process metrics).
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cssfs_api_requests_total", Help: "CSS API requests by endpoint and HTTP status (0: no response).",
		}, []string{"endpoint", "status"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cssfs_api_request_seconds", Help: "Time to the response headers of CSS API requests.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}, []string{"endpoint"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cssfs_api_retries_total", Help: "CSS API requests retried, by endpoint.",
		}, []string{"endpoint"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cssfs_api_throttled_total", Help: "CSS API answers that throttled us (429, or a gateway quota or spike-arrest 500), by endpoint.",
		}, []string{"endpoint"}),
		rate: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cssfs_api_rate_limit", Help: "Calls per second the client allows itself: --max-rps, lowered while the gateway refuses calls (0: no limit).",
		}),
		contentBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cssfs_content_bytes_total", Help: "Object content bytes received from the service.",
		}),
		tokenFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cssfs_token_fetches_total", Help: "Access token requests, by result.",
		}, []string{"result"}),
		readahead: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cssfs_readahead_window_bytes", Help: "Prefetch window of sequential readers, per read.",
			Buckets: prometheus.ExponentialBuckets(1<<20, 2, 8),
		}),
		fuseOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cssfs_fuse_operations_total", Help: "FUSE operations by kind and result.",
		}, []string{"op", "result"}),
		fuseSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cssfs_fuse_operation_seconds", Help: "Latency of FUSE operations.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9),
		}, []string{"op"}),
		openFiles: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cssfs_open_files", Help: "Files open on the mount.",
		}),
	}
	m.reg.MustRegister(m.requests, m.requestSeconds, m.retries, m.throttled, m.rate, m.contentBytes, m.tokenFetches,
		m.readahead, m.fuseOps, m.fuseSeconds, m.openFiles,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts one API request (the client's Observer).
func (m *Metrics) Request(endpoint string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(endpoint).Observe(elapsed.Seconds())
}

// Retry counts one retried request.
func (m *Metrics) Retry(endpoint string) { m.retries.WithLabelValues(endpoint).Inc() }

// Throttled counts one throttling answer.
func (m *Metrics) Throttled(endpoint string) { m.throttled.WithLabelValues(endpoint).Inc() }

// Rate records the client's current pace (a client.RateObserver).
func (m *Metrics) Rate(callsPerSec float64) { m.rate.Set(callsPerSec) }

// ContentBytes counts received content.
func (m *Metrics) ContentBytes(n int64) { m.contentBytes.Add(float64(n)) }

// TokenFetched counts one token request.
func (m *Metrics) TokenFetched(ok bool) {
	result := "ok"
	if !ok {
		result = "error"
	}
	m.tokenFetches.WithLabelValues(result).Inc()
}

// ReadaheadWindow records a reader's prefetch window.
func (m *Metrics) ReadaheadWindow(bytes int64) { m.readahead.Observe(float64(bytes)) }

// FUSEOp records one FUSE operation.
func (m *Metrics) FUSEOp(op string, elapsed time.Duration, errno syscall.Errno) {
	result := "ok"
	if errno != 0 {
		result = errno.Error()
	}
	m.fuseOps.WithLabelValues(op, result).Inc()
	m.fuseSeconds.WithLabelValues(op).Observe(elapsed.Seconds())
}

// FileOpened tracks open files (+1 on open, -1 on release).
func (m *Metrics) FileOpened(delta int) { m.openFiles.Add(float64(delta)) }

// WatchCache reports the block cache's counters, read at scrape time.
func (m *Metrics) WatchCache(b *cache.Blocks) {
	stat := func(f func(cache.Stats) int64) func() float64 {
		return func() float64 { return float64(f(b.Stats())) }
	}
	counter := func(name, help string, f func(cache.Stats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, stat(f))
	}
	m.reg.MustRegister(
		counter("cssfs_cache_hits_total", "Block reads served from the cache or a fetch already on its way.", func(s cache.Stats) int64 { return s.Hits }),
		counter("cssfs_cache_misses_total", "Block reads that started a fetch.", func(s cache.Stats) int64 { return s.Misses }),
		counter("cssfs_cache_fetches_total", "Content requests of the block cache: demand fetches, prefetches and streamed spans of blocks.", func(s cache.Stats) int64 { return s.Fetches }),
		counter("cssfs_cache_evictions_total", "Blocks evicted from the cache.", func(s cache.Stats) int64 { return s.Evicted }),
		counter("cssfs_cache_prefetch_dropped_total", "Prefetched blocks dropped unread.", func(s cache.Stats) int64 { return s.AheadDropped }),
		counter("cssfs_cache_spans_cancelled_total", "Streamed requests stopped early because no reader wanted the rest (each had sought elsewhere or closed).", func(s cache.Stats) int64 { return s.SpansCancelled }),
		counter("cssfs_cache_buffers_reused_total", "Block buffers taken from the free list instead of allocated.", func(s cache.Stats) int64 { return s.Recycled }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cssfs_cache_bytes", Help: "Bytes held in the block cache."}, stat(func(s cache.Stats) int64 { return s.Held })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cssfs_cache_prefetch_bytes", Help: "Bytes prefetched and not yet read, or on their way."}, stat(func(s cache.Stats) int64 { return s.Ahead })),
	)
}
