package httpapi

import (
	"encoding/json"
	"net/http"
)

// writeJSON writes v as the JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client went away; nothing useful to do
}

// writeError writes err as a JSON error body with the status statusFor gives it.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := statusFor(err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="coordination-engine"`)
	}
	if status >= 500 {
		s.log.Error(err, "Request failed", "method", r.Method, "path", r.URL.Path, "status", status)
	}
	writeJSON(w, status, body)
}
