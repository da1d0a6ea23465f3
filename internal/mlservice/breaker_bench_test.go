package mlservice

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBreakerOpensAndRecovers measures, with the real client against a real HTTP server,
// how long callers wait until the ML service's breaker opens when the service hangs or refuses
// connections, and how long after the service comes back the breaker closes again. The timeout
// (200ms) and cool-off (1s) are scaled down from the defaults (10s, 30s); the figures scale with
// them: opening takes FailureThreshold attempts (3 per call: 2 retries) of one timeout each plus
// the backoffs, recovering takes the cool-off plus one probe.
//
//	go test -run '^$' -bench BreakerOpensAndRecovers -benchtime 3x ./internal/mlservice/
func BenchmarkBreakerOpensAndRecovers(b *testing.B) {
	var hang atomic.Bool
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		_, _ = w.Write([]byte(`{"predictions":[1]}`))
	}))
	b.Cleanup(func() { close(release); srv.Close() })
	refused := refusedURL(b)
	opts := Options{Timeout: 200 * time.Millisecond, CoolOff: time.Second}
	var hungOpen, refusedOpen, recovered time.Duration
	for b.Loop() {
		hang.Store(true)
		ml := NewMLService(srv.URL, opts)
		hungOpen += untilOpen(b, ml)
		// The service is back the moment the breaker opened; callers fail fast until the
		// cool-off ends and a probe gets through.
		hang.Store(false)
		start := time.Now()
		for {
			if _, err := ml.Detect(b.Context(), []byte(`{}`)); err == nil && ml.BreakerState() == StateClosed {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		recovered += time.Since(start)
		refusedOpen += untilOpen(b, NewMLService(refused, opts))
	}
	n := float64(b.N)
	b.ReportMetric(float64(hungOpen.Milliseconds())/n, "ms-to-open-hung")
	b.ReportMetric(float64(refusedOpen.Milliseconds())/n, "ms-to-open-refused")
	b.ReportMetric(float64(recovered.Milliseconds())/n, "ms-to-close-after-recovery")
}

// untilOpen calls Detect until the breaker is open and returns how long that took.
func untilOpen(b *testing.B, ml *MLService) time.Duration {
	start := time.Now()
	for ml.BreakerState() != StateOpen {
		if _, err := ml.Detect(b.Context(), []byte(`{}`)); !errors.Is(err, ErrUnavailable) {
			b.Fatalf("detect: %v, want unavailable", err)
		}
	}
	return time.Since(start)
}

// refusedURL is an address nothing listens on.
func refusedURL(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}
