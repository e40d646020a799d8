package csstest

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"time"
)

// responseWriter records the status and paces writes under Faults.Bandwidth.
type responseWriter struct {
	http.ResponseWriter
	status    int
	written   int64
	bandwidth int64
	start     time.Time
	wroteHead bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHead {
		w.status, w.wroteHead = code, true
		w.start = time.Now()
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write sends p in slices small enough to hold the bandwidth cap.
func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHead {
		w.WriteHeader(http.StatusOK)
	}
	if w.bandwidth <= 0 {
		n, err := w.ResponseWriter.Write(p)
		w.written += int64(n)
		return n, err
	}
	total := 0
	chunk := int(max(w.bandwidth/20, 512))
	for len(p) > 0 {
		c := min(chunk, len(p))
		n, err := w.ResponseWriter.Write(p[:c])
		total += n
		w.written += int64(n)
		if err != nil {
			return total, err
		}
		p = p[c:]
		// pacing the server side is the point of the fault, not test synchronisation
		due := w.start.Add(time.Duration(float64(w.written) / float64(w.bandwidth) * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
	}
	return total, nil
}

func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeJSON encodes v; with malformable, Faults.MalformedRate may break the body.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any, malformable bool) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "encode: "+err.Error())
		return
	}
	if malformable {
		if rate := s.currentFaults().MalformedRate; rate > 0 && rand.Float64() < rate {
			body = malform(body)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// malform truncates a JSON body or replaces it with garbage.
func malform(body []byte) []byte {
	if rand.IntN(2) == 0 && len(body) > 2 {
		return body[:len(body)/2]
	}
	return []byte(`{"content":[{"id":` + "\x00garbage<html>")
}

// errorBody is a Spring-Boot-style backend error (reference §12.2, weak guess).
type errorBody struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	Error     string `json:"error"`
	Message   string `json:"message"`
	Path      string `json:"path"`
}

func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	body, _ := json.Marshal(errorBody{
		Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05.000+00:00"),
		Status:    status,
		Error:     http.StatusText(status),
		Message:   msg,
		Path:      r.URL.Path,
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
