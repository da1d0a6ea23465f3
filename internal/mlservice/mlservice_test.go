package mlservice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestMLServiceDetect(t *testing.T) {
	const answer = `{"predictions":[-1,1],"model_name":"anomaly-detector","model_version":"v3"}`
	tests := []struct {
		name        string
		status      int
		body        string
		want        string
		wantStatus  int
		wantMsg     string
		unavailable bool
		wantCalls   int32
	}{
		{name: "a 200 answer is passed through unchanged", status: 200, body: answer, want: answer, wantCalls: 1},
		{name: "an unknown model is a 404 with the service's message", status: 404,
			body: `{"error":"Model foo not found"}`, wantStatus: 404, wantMsg: "Model foo not found", wantCalls: 1},
		{name: "a 400 is not retried", status: 400,
			body: `{"error":"instances missing"}`, wantStatus: 400, wantMsg: "instances missing", wantCalls: 1},
		{name: "a 503 is retried and then unavailable", status: 503,
			body: `{"error":"model unavailable"}`, wantStatus: 503, wantMsg: "model unavailable", unavailable: true, wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			var gotBody atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if r.Method != http.MethodPost || r.URL.Path != "/api/v1/detect" {
					http.NotFound(w, r)
					return
				}
				b, _ := io.ReadAll(r.Body)
				gotBody.Store(string(b))
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			s := NewMLService(srv.URL+"/", Options{Backoff: time.Millisecond})
			req := `{"model":"anomaly-detector","instances":[[1,2]]}`
			out, err := s.Detect(t.Context(), []byte(req))
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("Detect() called the service %d times, want %d", got, tt.wantCalls)
			}
			if got, _ := gotBody.Load().(string); got != req {
				t.Errorf("Detect() sent %q, want %q", got, req)
			}
			if tt.wantStatus == 0 {
				if err != nil || string(out) != tt.want {
					t.Fatalf("Detect() = %s, %v, want %s", out, err, tt.want)
				}
				return
			}
			var merr *ModelError
			if !errors.As(err, &merr) || merr.Status != tt.wantStatus || merr.Message != tt.wantMsg {
				t.Fatalf("Detect() = %v, want ModelError %d %q", err, tt.wantStatus, tt.wantMsg)
			}
			if got := errors.Is(err, ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, tt.unavailable)
			}
		})
	}
}

func TestMLServiceUnreachableIsUnavailableAndOpensBreaker(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	s := NewMLService(url, Options{Retries: -1, FailureThreshold: 2})
	for i := range 2 {
		if _, err := s.Detect(t.Context(), []byte(`{}`)); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Detect() #%d to a closed port = %v, want ErrUnavailable", i+1, err)
		}
	}
	if got := s.BreakerState(); got != StateOpen {
		t.Errorf("BreakerState() after 2 connection errors = %s, want open", got)
	}
}

func TestCallerCancellationIsNotAServerFailure(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	s := NewMLService(srv.URL, Options{FailureThreshold: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := s.Detect(ctx, []byte(`{}`))
	if err == nil || errors.Is(err, ErrUnavailable) {
		t.Fatalf("Detect() with a cancelled context = %v, want the context's error", err)
	}
	if got := s.BreakerState(); got != StateClosed {
		t.Errorf("BreakerState() after the caller gave up = %s, want closed", got)
	}
}
