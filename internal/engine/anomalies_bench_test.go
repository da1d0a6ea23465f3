package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/testenv/promtest"
)

// BenchmarkAPIWhileTheMLServiceHangs measures the latency of the engine's own endpoints
// (GET /api/v1/incidents, GET /api/v1/health, a dry-run POST /api/v1/remediation/trigger)
// while 8 clients keep asking for anomaly analyses whose model call hangs (ML service
// accepting connections and never answering; ML_SERVICE_TIMEOUT 2s), against a baseline
// without them. It also reports the analyses' own latency: bounded by the timeouts while the
// breaker is closed, immediate once it is open. Run with:
//
//	go test -run '^$' -bench APIWhileTheMLServiceHangs -benchtime 300x ./internal/engine/
func BenchmarkAPIWhileTheMLServiceHangs(b *testing.B) {
	ns := env.Namespace(b)
	prom := promtest.Start(b, leakingPods(ns, map[string]int{"web": 60}))
	e := startEngine(b, func(o *config.Options) {
		o.PrometheusURL, _ = url.Parse(prom.URL)
		o.MLServiceURL = hungServer(b)
		o.MLServiceTimeout = 2 * time.Second
	})
	newDeployment(b, env.Client(b), ns, "web")
	for _, hung := range []bool{false, true} {
		b.Run(fmt.Sprintf("analyses-hanging=%t", hung), func(b *testing.B) {
			stop := func() []time.Duration { return nil }
			if hung {
				stop = hangingAnalyses(e, ns, 8)
			}
			var lat []time.Duration
			for b.Loop() {
				for _, r := range []struct{ method, path, body string }{
					{http.MethodGet, "/api/v1/incidents?limit=20", ""},
					{http.MethodGet, "/api/v1/health", ""},
					{http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "pod_crash", true)},
				} {
					start := time.Now()
					if code, body := e.do(r.method, r.path, r.body, nil); code >= 300 {
						b.Fatalf("%s %s = %d: %s", r.method, r.path, code, body)
					}
					lat = append(lat, time.Since(start))
				}
			}
			analyses := stop()
			report(b, "api", lat)
			report(b, "analyze", analyses)
		})
	}
}

// hangingAnalyses keeps n clients asking for analyses until the returned stop is called; stop
// waits for them and returns their latencies.
func hangingAnalyses(e *testEngine, ns string, n int) (stop func() []time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	body := fmt.Sprintf(`{"namespace":%q,"deployment":"web","metrics":["pod_memory_usage"]}`, ns)
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				start := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/api/v1/anomalies/analyze", strings.NewReader(body))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					continue
				}
				_ = resp.Body.Close()
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // let them reach the hung model first
	return func() []time.Duration {
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return lat
	}
}

// report adds p50, p99 and max in milliseconds under name.
func report(b *testing.B, name string, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), name+"-p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), name+"-p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), name+"-max-ms")
	b.ReportMetric(float64(len(lat)), name+"-calls")
}
