package csstest

import (
	"archive/zip"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// Bulk download job states (reference §9).
const (
	BulkNotStarted  = "NOT_STARTED"
	BulkInProgress  = "IN_PROGRESS"
	BulkDone        = "DONE"
	BulkFailed      = "FAILED"
	BulkCancelled   = "CANCELLED"
	BulkPartialDone = "PARTIAL_DONE"
)

// bulkJob is one zip job. Its progress is a function of time since start
// (Options.BulkStepDelay per step), so no goroutine runs per job.
type bulkJob struct {
	zipName  string
	region   string
	ids      []string
	started  time.Time
	final    string   // set once the job has finished
	included []string // ids that were AVAILABLE when it finished
}

// bulkStatus is the download-status object (reference §4.16).
type bulkStatus struct {
	ZipName string `json:"zipName"`
	Status  string `json:"status"`
	URL     string `json:"url,omitempty"`
}

type bulkJobs struct {
	mu   sync.Mutex
	jobs []*bulkJob
}

func newBulkJobs() *bulkJobs { return &bulkJobs{} }

// status advances j to its state at now. Caller holds bulkJobs.mu.
func (s *Server) bulkState(j *bulkJob, now time.Time) string {
	if j.final != "" {
		return j.final
	}
	d := s.opts.BulkStepDelay
	switch el := now.Sub(j.started); {
	case el < d:
		return BulkNotStarted
	case el < 2*d:
		return BulkInProgress
	}
	rg := s.regions[j.region]
	var total int64
	rg.mu.RLock()
	for _, id := range j.ids {
		if h, ok := rg.lookup(id); ok && rg.recs[h].state == codeAvailable {
			j.included = append(j.included, id)
			total += rg.recs[h].size
		}
	}
	rg.mu.RUnlock()
	switch {
	case len(j.included) == 0 || total > s.opts.BulkLimit:
		j.final = BulkFailed
	case len(j.included) < len(j.ids):
		j.final = BulkPartialDone
	default:
		j.final = BulkDone
	}
	return j.final
}

func (s *Server) handleBulkStart(w http.ResponseWriter, r *http.Request, rg *region) {
	var ids []string
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&ids); err != nil {
		writeError(w, r, http.StatusBadRequest, "body must be a JSON array of object ids: "+err.Error())
		return
	}
	if len(ids) == 0 {
		writeError(w, r, http.StatusBadRequest, "no object ids")
		return
	}
	u := uuidFrom(mix2(s.tenant.key^0x2a2a, s.idCounter.Add(1)) ^ uint64(time.Now().UnixNano()))
	j := &bulkJob{zipName: formatUUID(u) + ".zip", region: rg.name, ids: ids, started: time.Now()}
	s.bulk.mu.Lock()
	s.bulk.jobs = append(s.bulk.jobs, j)
	s.bulk.mu.Unlock()
	s.writeJSON(w, r, http.StatusOK, bulkStatus{ZipName: j.zipName, Status: BulkNotStarted}, false)
}

// statuses lists the region's jobs. Caller holds bulkJobs.mu.
func (s *Server) statuses(region string) []bulkStatus {
	out := []bulkStatus{}
	now := time.Now()
	for _, j := range s.bulk.jobs {
		if j.region == region {
			out = append(out, bulkStatus{ZipName: j.zipName, Status: s.bulkState(j, now)})
		}
	}
	return out
}

// job finds a job of the region by zip name. Caller holds bulkJobs.mu.
func (s *Server) job(region, zipName string) *bulkJob {
	for _, j := range s.bulk.jobs {
		if j.region == region && j.zipName == zipName {
			return j
		}
	}
	return nil
}

func (s *Server) handleBulkStatuses(w http.ResponseWriter, r *http.Request, rg *region) {
	s.bulk.mu.Lock()
	out := s.statuses(rg.name)
	s.bulk.mu.Unlock()
	s.writeJSON(w, r, http.StatusOK, out, false)
}

func (s *Server) handleBulkStatus(w http.ResponseWriter, r *http.Request, rg *region) {
	s.bulk.mu.Lock()
	j := s.job(rg.name, r.PathValue("zip"))
	var st bulkStatus
	if j != nil {
		st = bulkStatus{ZipName: j.zipName, Status: s.bulkState(j, time.Now())}
	}
	s.bulk.mu.Unlock()
	if j == nil {
		writeError(w, r, http.StatusNotFound, "no bulk download "+r.PathValue("zip"))
		return
	}
	if query(r).Get("presignUrl") == "true" && (st.Status == BulkDone || st.Status == BulkPartialDone) {
		st.URL = s.presignURL("zip", rg.name, st.ZipName)
	}
	s.writeJSON(w, r, http.StatusOK, st, false)
}

func (s *Server) handleBulkDownload(w http.ResponseWriter, r *http.Request, rg *region) {
	s.serveZip(w, r, rg, r.PathValue("zip"))
}

// serveZip streams a finished job's zip (built lazily; entries stored, named by objectName).
func (s *Server) serveZip(w http.ResponseWriter, r *http.Request, rg *region, zipName string) {
	s.bulk.mu.Lock()
	j := s.job(rg.name, zipName)
	var ids []string
	ready := false
	if j != nil {
		st := s.bulkState(j, time.Now())
		ready = st == BulkDone || st == BulkPartialDone
		ids = j.included
	}
	s.bulk.mu.Unlock()
	if !ready {
		writeError(w, r, http.StatusNotFound, "no finished bulk download "+zipName)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+zipName+`"`)
	zw := zip.NewWriter(w)
	for _, id := range ids {
		rg.mu.RLock()
		h, ok := rg.lookup(id)
		var o Object
		var src source
		if ok {
			o, src, _ = s.snapshot(rg, h)
		}
		rg.mu.RUnlock()
		if !ok {
			continue
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: o.ObjectName, Method: zip.Store, Modified: o.Created()})
		if err != nil {
			panic(http.ErrAbortHandler) // the zip is half written; cut it rather than end it cleanly
		}
		if _, err := io.Copy(fw, io.NewSectionReader(src, 0, src.Size())); err != nil {
			panic(http.ErrAbortHandler)
		}
	}
	if err := zw.Close(); err != nil {
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) handleBulkCancel(w http.ResponseWriter, r *http.Request, rg *region) {
	s.bulk.mu.Lock()
	j := s.job(rg.name, r.PathValue("zip"))
	if j != nil {
		if st := s.bulkState(j, time.Now()); st == BulkNotStarted || st == BulkInProgress {
			j.final = BulkCancelled
		}
	}
	out := s.statuses(rg.name)
	s.bulk.mu.Unlock()
	if j == nil {
		writeError(w, r, http.StatusNotFound, "no bulk download "+r.PathValue("zip"))
		return
	}
	s.writeJSON(w, r, http.StatusOK, out, false)
}

// handleBulkClear removes all of the region's jobs and answers the (empty) remaining list.
func (s *Server) handleBulkClear(w http.ResponseWriter, r *http.Request, rg *region) {
	s.bulk.mu.Lock()
	kept := s.bulk.jobs[:0]
	for _, j := range s.bulk.jobs {
		if j.region != rg.name {
			kept = append(kept, j)
		}
	}
	s.bulk.jobs = kept
	out := s.statuses(rg.name)
	s.bulk.mu.Unlock()
	s.writeJSON(w, r, http.StatusOK, out, false)
}

// handleDelete is DELETE /bulk: the listed objects become REVOKED.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, rg *region) {
	if s.opts.ReadOnlyKey {
		writeError(w, r, http.StatusForbidden, "this key has no edit access")
		return
	}
	var ids []string
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&ids); err != nil || len(ids) == 0 {
		writeError(w, r, http.StatusBadRequest, "body must be a non-empty JSON array of object ids")
		return
	}
	found := 0
	rg.mu.Lock()
	for _, id := range ids {
		if h, ok := rg.lookup(id); ok {
			rg.setState(h, codeRevoked)
			delete(rg.pending, h)
			found++
		}
	}
	rg.mu.Unlock()
	if found == 0 {
		writeError(w, r, http.StatusNotFound, "none of the objects exist")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
