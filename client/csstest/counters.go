package csstest

import "net/http"

// Counts returns the number of requests per endpoint name.
func (s *Server) Counts() map[string]int64 {
	out := make(map[string]int64, len(s.counters))
	for n, c := range s.counters {
		out[n] = c.Load()
	}
	return out
}

// Count returns the number of requests to one endpoint (0 for unknown names).
func (s *Server) Count(endpoint string) int64 {
	if c, ok := s.counters[endpoint]; ok {
		return c.Load()
	}
	return 0
}

// ContentBytes is the number of body bytes written by /content.
func (s *Server) ContentBytes() int64 { return s.contentBytes.Load() }

// Scanned is how many records searches have examined so far: a search
// narrowed by its type and createdTime predicates examines only the
// records of that type in that window; a cached one examines none.
func (s *Server) Scanned() int64 { return s.scanned.Load() }

// ResetCounts zeroes every counter and the content byte count.
func (s *Server) ResetCounts() {
	for _, c := range s.counters {
		c.Store(0)
	}
	s.contentBytes.Store(0)
}

// handleCounters is the debug endpoint GET /_emulator/counters.
func (s *Server) handleCounters(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, map[string]any{"counts": s.Counts(), "contentBytes": s.ContentBytes()}, false)
}
