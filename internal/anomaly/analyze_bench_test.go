package anomaly

import (
	"testing"
	"time"

	"selfhealing.dev/coordination-engine/internal/promquery"
	"selfhealing.dev/coordination-engine/internal/testenv/promtest"
)

// BenchmarkAnalyze measures one analysis of a Deployment against a real Prometheus holding
// 25 hours of the five metrics' raw series: the five range queries (in parallel), the feature
// vectors of every minute, an in-process model, and the scoring. The model server's own time
// comes on top. Run with:
//
//	go test -run '^$' -bench Analyze -benchtime 50x ./internal/anomaly/
func BenchmarkAnalyze(b *testing.B) {
	const minutes = 25 * 60
	srv := promtest.Start(b, clusterSeriesOver(minutes))
	prom, err := promquery.New(promquery.Options{URL: srv.URL, Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	for _, window := range []string{"15m", "1h", "24h"} {
		b.Run(window, func(b *testing.B) {
			a := &Analyzer{Prom: prom, Model: &recordingModel{flag: func(int) bool { return false }},
				Now: func() time.Time { return t0.Add(minutes * time.Minute) }}
			req := Request{TimeRange: window, Scope: Scope{Namespace: "shop", Deployment: "web"}}
			if err := req.Validate(); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				res, err := a.Analyze(b.Context(), req)
				if err != nil || len(res.Degraded) > 0 || len(res.Warnings) > 0 {
					b.Fatalf("analysis: %v, degraded %v, warnings %v", err, res.Degraded, res.Warnings)
				}
			}
		})
	}
}
