package csstest

// IssuedTokens returns every access token the emulator has issued, so that
// tests can check none of them leaks into logs.
func (s *Server) IssuedTokens() []string {
	s.tokensMu.Lock()
	defer s.tokensMu.Unlock()
	out := make([]string, 0, len(s.tokens))
	for t := range s.tokens {
		out = append(out, t)
	}
	return out
}
