package engine

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestBootstrapHandlerAnswersProbesWhileStarting(t *testing.T) {
	h := newSwapHandler(bootstrapHandler("v1", time.Now()))
	tests := []struct {
		method, path string
		wantCode     int
		wantKey      string
	}{
		{http.MethodGet, "/health", http.StatusOK, "status"},
		{http.MethodGet, "/healthz", http.StatusOK, "status"},
		{http.MethodGet, "/readyz", http.StatusServiceUnavailable, "checks"},
		{http.MethodGet, "/api/v1/incidents", http.StatusServiceUnavailable, "error"},
		{http.MethodPost, "/health", http.StatusServiceUnavailable, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != tt.wantCode || body[tt.wantKey] == nil {
				t.Errorf("%s %s = %d %s, want %d with %q", tt.method, tt.path, rec.Code, rec.Body, tt.wantCode, tt.wantKey)
			}
			if rec.Code >= 400 && body["error"] == nil {
				t.Errorf("a %d without an error string: %s", rec.Code, rec.Body)
			}
		})
	}
	h.set(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("after the swap /health = %d, want the new handler's 404", rec.Code)
	}
}
