package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// fakeDetector answers from a table by name and records the targets asked.
type fakeDetector struct {
	results map[string]managedby.Resolution
	asked   []v1alpha1.Target
}

func (f *fakeDetector) Resolve(_ context.Context, t v1alpha1.Target) (managedby.Resolution, error) {
	f.asked = append(f.asked, t)
	res, ok := f.results[t.Name]
	if !ok {
		return managedby.Resolution{}, fmt.Errorf("%w: %s", managedby.ErrTargetNotFound, t)
	}
	return res, nil
}

func newDetectServer(t *testing.T, d Detector) *Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	src := healthySources()
	s := New(Options{Version: "test", MaxBodyBytes: 1024},
		Deps{Health: src, Status: src, Detector: d, Gatherer: reg, Registerer: reg}, logr.Discard())
	s.now = func() time.Time { return time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC) }
	return s
}

// detectClientBody is what the contract's clients decode.
type detectClientBody struct {
	Method     string              `json:"method"`
	Confidence float64             `json:"confidence"`
	Evidence   []map[string]string `json:"evidence"`
	Details    map[string]string   `json:"details"`
	DetectedAt string              `json:"detected_at"`
	Workload   map[string]string   `json:"workload"`
	Top        map[string]string   `json:"top"`
}

func TestDetectAnswersTheResolvedMethod(t *testing.T) {
	web := managedby.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	widget := managedby.Object{APIVersion: "example.com/v1", Kind: "Widget", Namespace: "shop", Name: "w"}
	d := &fakeDetector{results: map[string]managedby.Resolution{
		"web": {Result: managedby.Result{Method: managedby.Operator, Confidence: 0.85,
			Evidence: []managedby.Evidence{{Kind: managedby.EvidenceOwnerReference, Detail: "controlled by Widget w", Method: managedby.Operator}},
			Details:  map[string]string{managedby.DetailOperatorKind: "Widget"}},
			Target: web, Workload: web, Top: widget, DetectedAt: time.Date(2026, 11, 25, 9, 59, 0, 0, time.UTC)},
		"db": {Result: managedby.Result{Method: managedby.Manual, Confidence: 0.6}},
	}}
	s := newDetectServer(t, d)
	tests := []struct {
		name, path string
		wantTarget v1alpha1.Target
		want       detectClientBody
	}{
		{"a Deployment answers its method, evidence, owner and the time it was detected", "/api/v1/detect/deployment/shop/web",
			v1alpha1.Target{Kind: "Deployment", Namespace: "shop", Name: "web"},
			detectClientBody{Method: "operator", Confidence: 0.85,
				Evidence:   []map[string]string{{"kind": "ownerReference", "detail": "controlled by Widget w", "method": "operator"}},
				Details:    map[string]string{"operatorKind": "Widget"},
				DetectedAt: "2026-11-25T09:59:00Z",
				Workload:   map[string]string{"api_version": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"},
				Top:        map[string]string{"api_version": "example.com/v1", "kind": "Widget", "namespace": "shop", "name": "w"}}},
		{"a StatefulSet without a detection time gets the answer's time and empty lists, not null", "/api/v1/detect/statefulset/shop/db",
			v1alpha1.Target{Kind: "StatefulSet", Namespace: "shop", Name: "db"},
			detectClientBody{Method: "manual", Confidence: 0.6, Evidence: []map[string]string{}, Details: map[string]string{},
				DetectedAt: "2026-11-25T10:05:00Z",
				Workload:   map[string]string{"api_version": "", "kind": "", "namespace": "", "name": ""},
				Top:        map[string]string{"api_version": "", "kind": "", "namespace": "", "name": ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.asked = nil
			rec := do(t, s.Handler(), http.MethodGet, tt.path, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s = %d %s, want 200", tt.path, rec.Code, rec.Body.String())
			}
			got := decode[detectClientBody](t, rec)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GET %s body (-want +got):\n%s", tt.path, diff)
			}
			if len(d.asked) != 1 || d.asked[0] != tt.wantTarget {
				t.Errorf("GET %s resolved %v, want %v", tt.path, d.asked, tt.wantTarget)
			}
		})
	}
}

func TestDetectErrors(t *testing.T) {
	tests := []struct {
		name      string
		detector  Detector
		path      string
		wantCode  int
		wantField string
	}{
		{"an unknown workload is a JSON 404", &fakeDetector{}, "/api/v1/detect/deployment/shop/nope", http.StatusNotFound, ""},
		{"an invalid namespace is a 400 naming namespace", &fakeDetector{}, "/api/v1/detect/deployment/Shop_1/web", http.StatusBadRequest, "namespace"},
		{"an invalid name is a 400 naming name", &fakeDetector{}, "/api/v1/detect/daemonset/shop/-web", http.StatusBadRequest, "name"},
		{"without a detector the answer is a JSON 503", nil, "/api/v1/detect/statefulset/shop/db", http.StatusServiceUnavailable, ""},
		{"an unknown workload kind is a JSON 404", &fakeDetector{}, "/api/v1/detect/replicaset/shop/web", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDetectServer(t, tt.detector)
			if tt.detector == nil {
				s = newDetectServer(t, nil)
			}
			rec := do(t, s.Handler(), http.MethodGet, tt.path, "")
			body := decode[errorBody](t, rec)
			if rec.Code != tt.wantCode || body.Error == "" || body.Field != tt.wantField {
				t.Errorf("GET %s = %d %+v, want %d with an error naming field %q", tt.path, rec.Code, body, tt.wantCode, tt.wantField)
			}
		})
	}
}
