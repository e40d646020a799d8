package csstest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// find returns the object's handle, or answers 404.
func find(w http.ResponseWriter, r *http.Request, rg *region) (int32, bool) {
	id := r.PathValue("id")
	rg.mu.RLock()
	h, ok := rg.lookup(id)
	rg.mu.RUnlock()
	if !ok {
		writeError(w, r, http.StatusNotFound, "object "+id+" not found")
	}
	return h, ok
}

// handleObject serves GET /objects/{id} and /metadata: any state.
func (s *Server) handleObject(w http.ResponseWriter, r *http.Request, rg *region) {
	h, ok := find(w, r, rg)
	if !ok {
		return
	}
	objs, err := s.objects(rg, []int32{h})
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	s.writeJSON(w, r, http.StatusOK, objs[0], true)
}

// handleContent streams the bytes of an AVAILABLE object (or a presigned
// URL, or with ContentRedirect a 302 to the store).
func (s *Server) handleContent(w http.ResponseWriter, r *http.Request, rg *region) {
	h, ok := find(w, r, rg)
	if !ok {
		return
	}
	rg.mu.RLock()
	o, src, _ := s.snapshot(rg, h)
	rg.mu.RUnlock()
	switch o.ObjectState {
	case StateAvailable:
	case StateArchived:
		writeError(w, r, http.StatusForbidden, "object is ARCHIVED: restore it before downloading")
		return
	default:
		writeError(w, r, http.StatusNotFound, "object is "+o.ObjectState+" and cannot be downloaded")
		return
	}
	if query(r).Get("presignUrl") == "true" {
		s.writePresigned(w, r, s.presignURL("object", rg.name, o.ID))
		return
	}
	f := s.currentFaults()
	if s.opts.ContentRedirect {
		stale := f.StaleRedirectRate > 0 && randFloat() < f.StaleRedirectRate
		w.Header().Set("Location", s.storeURL(rg.name, o, stale))
		w.WriteHeader(http.StatusFound)
		return
	}
	body := faultySource(src, f)
	w.Header().Set("Content-Type", o.MimeType)
	s.serveBytes(w, r, body, !f.IgnoreRange, f.ResetRate, true)
}

// faultySource applies ShortBodies / LongBodies to the true content.
func faultySource(src source, f Faults) source {
	size := src.Size()
	switch {
	case f.ShortBodies && size > 0:
		return shortSource{src, size - max(1, size/4)}
	case f.LongBodies:
		return longSource{src, size + 1024}
	}
	return src
}

type shortSource struct {
	source
	size int64
}

func (s shortSource) Size() int64 { return s.size }
func (s shortSource) ReadAt(p []byte, off int64) (int, error) {
	buf, err := readAtBounds(p, off, s.size)
	n, rerr := s.source.ReadAt(buf, off)
	if rerr != nil && rerr != io.EOF {
		return n, rerr
	}
	return n, err
}

type longSource struct {
	source
	size int64
}

func (l longSource) Size() int64 { return l.size }
func (l longSource) ReadAt(p []byte, off int64) (int, error) {
	buf, err := readAtBounds(p, off, l.size)
	done := 0
	if real := l.source.Size(); off < real {
		done = int(min(int64(len(buf)), real-off))
		if _, rerr := l.source.ReadAt(buf[:done], off); rerr != nil && rerr != io.EOF {
			return 0, rerr
		}
	}
	for i := done; i < len(buf); i++ {
		buf[i] = 'X' // the extra bytes beyond storedBytes
	}
	return len(buf), err
}

// serveBytes writes src honouring Range when allowed; with resetRate it
// may cut the connection mid-body.
func (s *Server) serveBytes(w http.ResponseWriter, r *http.Request, src source, rangeOK bool, resetRate float64, count bool) {
	size := src.Size()
	start, length, status := int64(0), size, http.StatusOK
	if spec := r.Header.Get("Range"); spec != "" && rangeOK {
		a, b, err := parseRange(spec, size)
		if errors.Is(err, errUnsatisfiable) {
			w.Header().Set("Content-Range", "bytes */"+itoa(size))
			writeError(w, r, http.StatusRequestedRangeNotSatisfiable, err.Error())
			return
		}
		if err == nil {
			start, length, status = a, b-a+1, http.StatusPartialContent
			w.Header().Set("Content-Range", "bytes "+itoa(a)+"-"+itoa(b)+"/"+itoa(size))
		}
	}
	if rangeOK {
		w.Header().Set("Accept-Ranges", "bytes")
	}
	w.Header().Set("Content-Length", itoa(length))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	cut := int64(-1)
	if resetRate > 0 && length > 1 && randFloat() < resetRate {
		cut = length / 2
	}
	buf := make([]byte, 64<<10)
	for off := int64(0); off < length; {
		n := min(int64(len(buf)), length-off)
		if cut >= 0 && off+n > cut {
			n = cut - off
		}
		if n > 0 {
			if _, err := src.ReadAt(buf[:n], start+off); err != nil && err != io.EOF {
				panic(http.ErrAbortHandler) // cannot honour Content-Length any more
			}
			wn, err := w.Write(buf[:n])
			if count {
				s.contentBytes.Add(int64(wn))
			}
			if err != nil {
				return
			}
			off += n
		}
		if cut >= 0 && off >= cut {
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			panic(http.ErrAbortHandler) // injected reset: the connection is closed mid-body
		}
	}
}

// restoreRequest is the body (and the echoed answer) of POST /restore.
type restoreRequest struct {
	ExpirationDays int `json:"expirationDays"`
}

func (s *Server) handleRestore(w http.ResponseWriter, r *http.Request, rg *region) {
	if s.opts.ReadOnlyKey {
		writeError(w, r, http.StatusForbidden, "this key has no edit access")
		return
	}
	req := restoreRequest{ExpirationDays: 7}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	if strings.TrimSpace(string(body)) != "" {
		var in struct {
			ExpirationDays *int `json:"expirationDays"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			writeError(w, r, http.StatusBadRequest, "malformed body: "+err.Error())
			return
		}
		if in.ExpirationDays != nil {
			req.ExpirationDays = *in.ExpirationDays
		}
	}
	if req.ExpirationDays < 1 || req.ExpirationDays > 10 {
		writeError(w, r, http.StatusBadRequest, "expirationDays must be between 1 and 10")
		return
	}
	id := r.PathValue("id")
	rg.mu.Lock()
	h, ok := rg.lookup(id)
	if !ok {
		rg.mu.Unlock()
		writeError(w, r, http.StatusNotFound, "object "+id+" not found")
		return
	}
	if rg.recs[h].state != codeArchived {
		st := stateNames[rg.recs[h].state]
		rg.mu.Unlock()
		writeError(w, r, http.StatusBadRequest, "object is "+st+", only ARCHIVED objects can be restored")
		return
	}
	if _, busy := rg.pending[h]; !busy {
		at := time.Now().Add(s.opts.RestoreDelay)
		back := at.Add(time.Duration(req.ExpirationDays) * 24 * time.Hour)
		rg.pending[h] = &transition{at: at.UnixNano(), state: codeAvailable,
			then: &transition{at: back.UnixNano(), state: codeArchived}}
	}
	rg.mu.Unlock()
	s.writeJSON(w, r, http.StatusOK, req, false)
}
