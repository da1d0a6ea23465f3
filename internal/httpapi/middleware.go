package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// wrap adds, around a mux: request metrics by route pattern, panic recovery, the body limit, and
// JSON answers where the mux would write plain-text 404 or 405 pages.
func (s *Server) wrap(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		s.metrics.inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		_, pattern := mux.Handler(r)
		route := pattern
		if route == "" {
			route = "unmatched"
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error(fmt.Errorf("panic: %v", v), "Handler panicked", "route", route)
				if !sw.wrote {
					writeJSON(sw, http.StatusInternalServerError, errorBody{Error: "internal error", Code: "internal"})
				}
			}
			s.metrics.inFlight.Dec()
			s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.code)).Inc()
			s.metrics.duration.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
		}()
		if r.Body != nil && s.opts.MaxBodyBytes > 0 {
			r.Body = http.MaxBytesReader(sw, r.Body, s.opts.MaxBodyBytes)
		}
		if pattern == "" {
			s.unmatched(sw, r, mux)
			return
		}
		if !s.authorized(sw, r, pattern) {
			return
		}
		mux.ServeHTTP(sw, r)
	})
}

// unmatched answers a request no route takes: JSON 404 or 405 (with Allow), or the mux's own
// redirect (a path that differs only by a trailing slash or cleaning).
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	rec := &headerRecorder{header: http.Header{}}
	h, _ := mux.Handler(r)
	h.ServeHTTP(rec, r)
	switch rec.code {
	case http.StatusMethodNotAllowed:
		allow := rec.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Code: "method_not_allowed",
			Error: fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)})
	case http.StatusMovedPermanently, http.StatusPermanentRedirect, http.StatusFound, http.StatusTemporaryRedirect:
		w.Header().Set("Location", rec.header.Get("Location"))
		writeJSON(w, rec.code, map[string]string{"location": rec.header.Get("Location")})
	default:
		writeJSON(w, http.StatusNotFound, errorBody{Code: "not_found",
			Error: fmt.Sprintf("no route for %s %s", r.Method, strings.TrimSpace(r.URL.Path))})
	}
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// headerRecorder captures what the mux's fallback handler would answer, discarding its body.
type headerRecorder struct {
	header http.Header
	code   int
}

func (r *headerRecorder) Header() http.Header { return r.header }
func (r *headerRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *headerRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return len(b), nil
}

// openRoutes answer without authentication: probes, scrapers and the API's own description.
var openRoutes = map[string]bool{
	"GET /health": true, "GET /healthz": true, "GET /readyz": true, "GET /metrics": true,
	"GET /api/v1/health": true, "GET /api/v1/openapi.yaml": true,
}

// authorized asks the authorizer about every route but the open ones, answering 401, 403 or
// 503 itself when the request may not go ahead.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request, pattern string) bool {
	if s.deps.Auth == nil || openRoutes[pattern] {
		return true
	}
	who, err := s.deps.Auth.Authorize(r.Context(), r)
	if err != nil {
		if who != "" {
			s.log.Info("Request refused", "user", who, "method", r.Method, "path", r.URL.Path, "reason", err.Error())
		}
		s.writeError(w, r, err)
		return false
	}
	return true
}
