package health

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMonitorCachesWithinTTLAndCoalescesConcurrentChecks(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	m := NewMonitor(time.Hour, time.Second)
	m.Register("dep", func(ctx context.Context) Result {
		calls.Add(1)
		<-release
		return Result{Status: OK, Message: "fine"}
	})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if r := m.Check(t.Context(), "dep")["dep"]; r.Status != OK {
				t.Errorf("Check() = %v, want ok", r.Status)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // let the 50 callers pile up behind the first call
	close(release)
	wg.Wait()
	m.Check(t.Context(), "dep")
	if got := calls.Load(); got != 1 {
		t.Errorf("50 concurrent checks and one within the TTL made %d calls, want 1", got)
	}
}

func TestMonitorRefreshesAfterTTL(t *testing.T) {
	var calls atomic.Int32
	m := NewMonitor(time.Minute, time.Second)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return now }
	m.Register("dep", func(context.Context) Result { calls.Add(1); return Result{Status: OK} })
	m.Check(t.Context())
	now = now.Add(2 * time.Minute)
	m.Check(t.Context())
	if got := calls.Load(); got != 2 {
		t.Errorf("checks across the TTL made %d calls, want 2", got)
	}
}

func TestCachedNeverCallsADependency(t *testing.T) {
	m := NewMonitor(time.Minute, time.Second)
	m.Register("slow", func(context.Context) Result { t.Error("Cached() called the check"); return Result{} })
	m.RegisterDisabled("off", "not configured")
	got := m.Cached()
	if got["slow"].Status != Unknown || got["off"].Status != Unknown {
		t.Errorf("Cached() before any check = %v, want unknown for both", got)
	}
}

func TestCheckHonoursTimeoutAndCallerContext(t *testing.T) {
	m := NewMonitor(time.Minute, 50*time.Millisecond)
	m.Register("hung", func(ctx context.Context) Result {
		<-ctx.Done()
		return Result{Status: Down, Message: ctx.Err().Error()}
	})
	start := time.Now()
	r := m.Check(t.Context(), "hung")["hung"]
	if r.Status != Down || time.Since(start) > 2*time.Second {
		t.Errorf("a hung dependency gave %v after %v, want down within the timeout", r, time.Since(start))
	}
}

func TestHTTPCheckStates(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	client := srv.Client()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	tests := []struct {
		name string
		fn   CheckFunc
		want State
	}{
		{"a 2xx answer is ok", HTTPCheck(client, srv.URL+"/ok"), OK},
		{"a 503 answer is degraded", HTTPCheck(client, srv.URL+"/bad"), Degraded},
		{"no answer is down", HTTPCheck(client, deadURL+"/ok"), Down},
		{"all parts ok is ok", AllOf(map[string]CheckFunc{"a": HTTPCheck(client, srv.URL+"/ok")}), OK},
		{"some parts failing is degraded", AllOf(map[string]CheckFunc{"a": HTTPCheck(client, srv.URL+"/ok"), "b": HTTPCheck(client, deadURL)}), Degraded},
		{"every part failing is down", AllOf(map[string]CheckFunc{"b": HTTPCheck(client, deadURL)}), Down},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(t.Context()); got.Status != tt.want || got.Message == "" {
				t.Errorf("check = %v %q, want %v with a message", got.Status, got.Message, tt.want)
			}
		})
	}
}

func TestLatestNeverWaitsForAStaleCheck(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	m := NewMonitor(time.Minute, 10*time.Second)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	m.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	m.Register("ml", func(ctx context.Context) Result {
		if calls.Add(1) == 1 {
			return Result{Status: OK}
		}
		select { // the dependency hangs now
		case <-release:
			return Result{Status: Down, Message: "timed out"}
		case <-ctx.Done():
			return Result{Status: Down}
		}
	})
	if got := m.Latest(t.Context())["ml"]; got.Status != OK {
		t.Fatalf("first Latest = %+v, want the check waited for (OK)", got)
	}
	clock.Lock()
	now = now.Add(2 * time.Minute)
	clock.Unlock()
	start := time.Now()
	if got := m.Latest(t.Context())["ml"]; got.Status != OK || time.Since(start) > time.Second {
		t.Fatalf("stale Latest = %+v after %v, want the old result at once", got, time.Since(start))
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for m.Cached()["ml"].Status != Down {
		if time.Now().After(deadline) {
			t.Fatal("the background refresh never stored its result")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if calls.Load() != 2 {
		t.Errorf("%d checks, want 2 (one refresh)", calls.Load())
	}
}
