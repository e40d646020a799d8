package csstest

import (
	"net/http"
	"time"
)

// storageHandler serves one storage operation for an existing region.
type storageHandler func(w http.ResponseWriter, r *http.Request, rg *region)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/v2/token", s.wrap("token", false, s.handleToken))
	mux.HandleFunc("GET /_emulator/counters", s.handleCounters)
	mux.HandleFunc("GET /_emulator/presigned/{kind}/{region}/{name}", s.wrap("presigned", false, s.handlePresigned))

	const p = "/storage/{region}/v3"
	add := func(pattern, name string, account bool, h storageHandler) {
		mux.HandleFunc(pattern, s.wrap(name, true, s.storage(account, h)))
	}
	add("GET "+p+"/regions", "regions", false, s.handleRegions)
	add("GET "+p+"/objects", "search", true, s.handleSearch)
	add("GET "+p+"/objects/{id}", "object", true, s.handleObject)
	add("GET "+p+"/objects/{id}/metadata", "metadata", true, s.handleObject)
	add("GET "+p+"/objects/{id}/content", "content", true, s.handleContent)
	add("POST "+p+"/objects/{id}/restore", "restore", true, s.handleRestore)
	add("GET "+p+"/buckets", "buckets", true, s.handleBuckets)
	add("GET "+p+"/buckets/{id}", "bucket", true, s.handleBucket)
	add("POST "+p+"/bulk/download/start", "bulk-start", true, s.handleBulkStart)
	add("GET "+p+"/bulk/download/status", "bulk-status", true, s.handleBulkStatuses)
	add("GET "+p+"/bulk/download/status/{zip}", "bulk-status", true, s.handleBulkStatus)
	add("GET "+p+"/bulk/download/{zip}", "bulk-download", true, s.handleBulkDownload)
	add("PUT "+p+"/bulk/download/cancel/{zip}", "bulk-cancel", true, s.handleBulkCancel)
	add("POST "+p+"/bulk/download/cancel/{zip}", "bulk-cancel", true, s.handleBulkCancel)
	add("PUT "+p+"/bulk/download/clear", "bulk-clear", true, s.handleBulkClear)
	add("DELETE "+p+"/bulk", "delete", true, s.handleDelete)
	return mux
}

// wrap counts, logs, delays and, for storage calls, applies the quota
// policy (in front, like the gateway) and injects 429/5xx.
func (s *Server) wrap(name string, storage bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.counters[name].Add(1)
		f := s.currentFaults()
		rw := &responseWriter{ResponseWriter: w, status: http.StatusOK, bandwidth: f.Bandwidth, start: start}
		defer func() {
			if s.opts.Logger != nil {
				s.opts.Logger.Info("css request", "endpoint", name, "method", r.Method, "path", r.URL.Path,
					"status", rw.status, "bytes", rw.written, "took", time.Since(start))
			}
		}()
		delay(f)
		if storage && !s.quota.allow() {
			s.counters["throttled"].Add(1)
			writeQuotaViolation(rw)
			return
		}
		if storage || name == "token" {
			if injectFailure(rw, f, storage) {
				return
			}
		}
		h(rw, r)
	}
}

// storage resolves {region}, settles due state changes and checks the token.
func (s *Server) storage(accountOnly bool, h storageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("region")
		if !isKnownRegion(name) {
			writeError(w, r, http.StatusNotFound, "unknown region "+name)
			return
		}
		if !s.checkBearer(w, r) {
			return
		}
		if s.opts.NoStorageProduct {
			writeFault(w, "Invalid API call as no apiproduct match found", "keymanagement.service.InvalidAPICallAsNoApiProductMatchFound")
			return
		}
		if !accountOnly {
			h(w, r, nil)
			return
		}
		rg, ok := s.regions[name]
		if !ok {
			writeError(w, r, http.StatusNotFound, "region "+name+" is not provisioned for this account")
			return
		}
		rg.mu.RLock()
		failed := rg.failed
		rg.mu.RUnlock()
		if failed {
			writeError(w, r, http.StatusInternalServerError, "region "+name+" is failing (injected)")
			return
		}
		rg.settle(time.Now().UnixNano())
		h(w, r, rg)
	}
}

func (s *Server) handleRegions(w http.ResponseWriter, r *http.Request, _ *region) {
	s.writeJSON(w, r, http.StatusOK, s.Regions(), false)
}
