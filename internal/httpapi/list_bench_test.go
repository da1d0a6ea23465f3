package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/projection"
)

// benchIncidents fills an index with n incidents shaped like the load test's.
func benchIncidents(n int) *projection.Index[*v1alpha1.Incident] {
	idx := projection.New[*v1alpha1.Incident]()
	t0 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	sev := []v1alpha1.Severity{"low", "medium", "high", "critical"}
	for i := range n {
		idx.Upsert(&v1alpha1.Incident{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("inc-%016x", i), Namespace: "ns", ResourceVersion: fmt.Sprint(i + 1),
				CreationTimestamp: metav1.NewTime(t0.Add(time.Duration(i) * time.Millisecond))},
			Spec: v1alpha1.IncidentSpec{Title: fmt.Sprintf("Benchmark incident %d", i), Description: "created by the list benchmark",
				Severity: sev[i%4], Priority: sev[i%4].Priority(), Source: v1alpha1.SourceManual, Labels: map[string]string{"bench": "yes"}},
		})
	}
	return idx
}

// BenchmarkListIncidents measures GET /api/v1/incidents?limit=100 over 10,000 stored incidents,
// through the real handler and incident.Service.List.
//
//	go test ./internal/httpapi -run '^$' -bench ListIncidents -benchmem
func BenchmarkListIncidents(b *testing.B) {
	svc := incident.NewService(nil, nil, benchIncidents(10_000), "ns", logr.Discard())
	reg := prometheus.NewRegistry()
	s := New(Options{Version: "bench"}, Deps{Health: healthySources(), Status: healthySources(), Incidents: svc,
		Gatherer: reg, Registerer: reg}, logr.Discard())
	h := s.Handler()
	for _, q := range []string{"?limit=100", "?status=active&severity=high&limit=100"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/incidents"+q, nil))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
				_, _ = io.Copy(io.Discard, rec.Body)
			}
		})
	}
}
