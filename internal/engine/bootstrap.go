package engine

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"
)

// swapHandler serves a bootstrap handler until the full API is built, then the API. This lets the
// listener open before the clients, caches and metrics exist, so /health answers within
// milliseconds of process start.
type swapHandler struct {
	current atomic.Pointer[http.Handler]
}

func newSwapHandler(initial http.Handler) *swapHandler {
	s := &swapHandler{}
	s.set(initial)
	return s
}

func (s *swapHandler) set(h http.Handler) { s.current.Store(&h) }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.current.Load()).ServeHTTP(w, r)
}

// bootstrapHandler answers while the engine builds itself: /health and /healthz are 200 (the
// process serves), /readyz is 503 with an "engine: starting" check, everything else is a JSON 503
// saying the engine is starting.
func bootstrapHandler(version string, started time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet && (r.URL.Path == "/health" || r.URL.Path == "/healthz") {
			now := time.Now().UTC()
			_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok", "version": version,
				"timestamp": now.Format(time.RFC3339), "started_at": started.UTC().Format(time.RFC3339),
				"uptime_seconds": now.Sub(started).Seconds(), "engine_state": "starting", "dependencies": map[string]string{}})
			return
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		if r.Method == http.MethodGet && r.URL.Path == "/readyz" {
			_ = json.NewEncoder(w).Encode(map[string]any{"status": "not ready", "error": "not ready: engine: starting;",
				"checks": map[string]any{"engine": map[string]any{"ready": false, "message": "starting"}}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "the engine is starting; retry in a moment", "code": "starting"})
	})
}
