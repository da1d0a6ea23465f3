package mlservice

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// predictor is a fake KServe v1 model server for one model; answer decides a predict's reply.
type predictor struct {
	model  string
	calls  atomic.Int32
	answer func(w http.ResponseWriter, instances [][]float64)
}

func (p *predictor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.calls.Add(1)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models/"+p.model:
		fmt.Fprintf(w, `{"name":%q,"ready":true}`, p.model)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/models/"+p.model+":predict":
		var req struct {
			Instances [][]float64 `json:"instances"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":%q}`, err.Error())
			return
		}
		p.answer(w, req.Instances)
	default:
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/models/"), ":predict")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":"Model with name %s does not exist."}`, name)
	}
}

func reply(status int, body string) func(http.ResponseWriter, [][]float64) {
	return func(w http.ResponseWriter, _ [][]float64) {
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// newKServe starts p and returns a client whose "anomaly-detector" model is served by it, under
// the predictor's model name serverModel when one is given (KSERVE_<NAME>_MODEL).
func newKServe(t *testing.T, p *predictor, opts Options, serverModel ...string) *KServe {
	t.Helper()
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	m := Model{Name: "anomaly-detector", ServerModel: "anomaly-detector", URL: srv.URL}
	if len(serverModel) > 0 {
		m.ServerModel = serverModel[0]
	}
	reg := NewRegistry([]Model{m})
	if opts.Backoff == 0 {
		opts.Backoff = time.Millisecond
	}
	return NewKServe(reg, opts)
}

func TestKServeReady(t *testing.T) {
	tests := []struct {
		name        string
		served      string
		serverModel []string
		wantStatus  int
		wantMsg     string
	}{
		{name: "a loaded model is ready", served: "anomaly-detector"},
		{name: "the predictor is asked for the KSERVE_<NAME>_MODEL name", served: "isolation-forest",
			serverModel: []string{"isolation-forest"}},
		{name: "a model the predictor lacks is a 404 with its message", served: "other",
			wantStatus: 404, wantMsg: "Model with name anomaly-detector does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &predictor{model: tt.served}
			k := newKServe(t, p, Options{}, tt.serverModel...)
			err := k.Ready(t.Context(), "anomaly-detector")
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("Ready() = %v, want nil", err)
				}
				return
			}
			var merr *ModelError
			if !errors.As(err, &merr) || merr.Status != tt.wantStatus || merr.Message != tt.wantMsg {
				t.Fatalf("Ready() = %v, want ModelError %d %q", err, tt.wantStatus, tt.wantMsg)
			}
			if got := p.calls.Load(); got != 1 {
				t.Errorf("Ready() called the predictor %d times, want 1 (a 404 is not retried)", got)
			}
		})
	}
}

func TestKServeUnknownModel(t *testing.T) {
	k := newKServe(t, &predictor{model: "m"}, Options{})
	if _, err := k.Predict(t.Context(), "nope", nil); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Predict(nope) = %v, want ErrUnknownModel", err)
	}
}

func TestKServePredictShapes(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		decode func(Prediction) (any, error)
		want   any
	}{
		{name: "ints are anomaly labels", body: `{"predictions":[-1,1]}`,
			decode: func(p Prediction) (any, error) { return p.Ints() }, want: []int{-1, 1}},
		{name: "floats parse as floats", body: `{"predictions":[0.25,1.5]}`,
			decode: func(p Prediction) (any, error) { return p.Floats() }, want: []float64{0.25, 1.5}},
		{name: "ints parse as floats too", body: `{"predictions":[-1,1]}`,
			decode: func(p Prediction) (any, error) { return p.Floats() }, want: []float64{-1, 1}},
		{name: "nested lists are rows per instance", body: `{"predictions":[[0.1,0.2,0.3,0.4,0.5],[1,2,3,4,5]]}`,
			decode: func(p Prediction) (any, error) { return p.Nested() },
			want:   [][]float64{{0.1, 0.2, 0.3, 0.4, 0.5}, {1, 2, 3, 4, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := make(chan [][]float64, 1)
			p := &predictor{model: "anomaly-detector", answer: func(w http.ResponseWriter, in [][]float64) {
				sent <- in
				fmt.Fprint(w, tt.body)
			}}
			k := newKServe(t, p, Options{})
			instances := [][]float64{{1, 2}, {3, 4}}
			pred, err := k.Predict(t.Context(), "anomaly-detector", instances)
			if err != nil {
				t.Fatalf("Predict() = %v", err)
			}
			if diff := cmp.Diff(instances, <-sent); diff != "" {
				t.Errorf("instances sent (-want +got):\n%s", diff)
			}
			out, err := tt.decode(pred)
			if err != nil {
				t.Fatalf("decode %s = %v", pred.Predictions, err)
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPredictionWrongShapeIsAnError(t *testing.T) {
	if _, err := (Prediction{Predictions: json.RawMessage(`[0.5]`)}).Ints(); err == nil {
		t.Error("Ints([0.5]) = nil error, want one")
	}
	if _, err := (Prediction{Predictions: json.RawMessage(`[[1]]`)}).Floats(); err == nil {
		t.Error("Floats([[1]]) = nil error, want one")
	}
	if _, err := (Prediction{Predictions: json.RawMessage(`[1]`)}).Nested(); err == nil {
		t.Error("Nested([1]) = nil error, want one")
	}
}

func TestKServePredictErrors(t *testing.T) {
	const shapeMsg = "X has 2 features, but IsolationForest is expecting 45 features as input."
	tests := []struct {
		name        string
		answer      func(http.ResponseWriter, [][]float64)
		wantStatus  int
		wantMsg     string
		unavailable bool
		wantCalls   int32
	}{
		{name: "a wrong feature count surfaces the model's 500 message unretried",
			answer:     reply(500, fmt.Sprintf(`{"error":%q}`, shapeMsg)),
			wantStatus: 500, wantMsg: shapeMsg, wantCalls: 1},
		{name: "a 400 is never retried",
			answer:     reply(400, `{"error":"bad instances"}`),
			wantStatus: 400, wantMsg: "bad instances", wantCalls: 1},
		{name: "a 503 is retried twice then returned as unavailable",
			answer:     reply(503, `{"error":"model is loading"}`),
			wantStatus: 503, wantMsg: "model is loading", unavailable: true, wantCalls: 3},
		{name: "a non-JSON error body is kept as the message",
			answer:     reply(500, "Internal Server Error\n"),
			wantStatus: 500, wantMsg: "Internal Server Error", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &predictor{model: "anomaly-detector", answer: tt.answer}
			k := newKServe(t, p, Options{})
			_, err := k.Predict(t.Context(), "anomaly-detector", [][]float64{{1, 2}})
			var merr *ModelError
			if !errors.As(err, &merr) || merr.Status != tt.wantStatus || merr.Message != tt.wantMsg {
				t.Fatalf("Predict() = %v, want ModelError %d %q", err, tt.wantStatus, tt.wantMsg)
			}
			if got := errors.Is(err, ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, tt.unavailable)
			}
			if got := p.calls.Load(); got != tt.wantCalls {
				t.Errorf("predictor called %d times, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestKServeRetriesUntilSuccess(t *testing.T) {
	var n atomic.Int32
	p := &predictor{model: "anomaly-detector", answer: func(w http.ResponseWriter, _ [][]float64) {
		switch n.Add(1) {
		case 1: // connection reset
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case 2:
			reply(503, `{"error":"loading"}`)(w, nil)
		default:
			fmt.Fprint(w, `{"predictions":[1]}`)
		}
	}}
	k := newKServe(t, p, Options{})
	pred, err := k.Predict(t.Context(), "anomaly-detector", [][]float64{{1}})
	if err != nil {
		t.Fatalf("Predict() after a reset and a 503 = %v, want success on the third attempt", err)
	}
	if got, _ := pred.Ints(); !cmp.Equal(got, []int{1}) {
		t.Errorf("Ints() = %v, want [1]", got)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("predict attempts = %d, want 3", got)
	}
}

func TestKServeSlowServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	p := &predictor{model: "anomaly-detector", answer: func(w http.ResponseWriter, _ [][]float64) {
		<-release
	}}
	k := newKServe(t, p, Options{Timeout: 20 * time.Millisecond, Retries: -1})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	start := time.Now()
	_, err := k.Predict(t.Context(), "anomaly-detector", [][]float64{{1}})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Predict() on a slow server = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Predict() took %v, want about the 20ms timeout", d)
	}
}

func TestKServeBreaker(t *testing.T) {
	clock := newFakeClock()
	healthy := atomic.Bool{}
	p := &predictor{model: "anomaly-detector", answer: func(w http.ResponseWriter, _ [][]float64) {
		if healthy.Load() {
			fmt.Fprint(w, `{"predictions":[1]}`)
			return
		}
		reply(503, `{"error":"down"}`)(w, nil)
	}}
	k := newKServe(t, p, Options{Retries: -1, FailureThreshold: 3, CoolOff: time.Minute, Now: clock.Now})
	predict := func() error {
		_, err := k.Predict(t.Context(), "anomaly-detector", [][]float64{{1}})
		return err
	}
	state := func() State { s, _ := k.BreakerState("anomaly-detector"); return s }

	for i := range 3 {
		if err := predict(); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Predict() #%d = %v, want ErrUnavailable", i+1, err)
		}
	}
	if got := state(); got != StateOpen {
		t.Fatalf("BreakerState() after 3 failures = %s, want open", got)
	}
	calls := p.calls.Load()
	err := predict()
	var merr *ModelError
	if !errors.Is(err, ErrUnavailable) || errors.As(err, &merr) {
		t.Fatalf("Predict() while open = %v, want ErrUnavailable without a server answer", err)
	}
	if got := p.calls.Load(); got != calls {
		t.Fatalf("Predict() while open called the server (%d calls, want %d)", got, calls)
	}

	clock.Add(time.Minute)
	if got := state(); got != StateHalfOpen {
		t.Fatalf("BreakerState() after the cool-off = %s, want half_open", got)
	}
	healthy.Store(true)
	if err := predict(); err != nil {
		t.Fatalf("Predict() as the half-open probe = %v, want success", err)
	}
	if got := state(); got != StateClosed {
		t.Fatalf("BreakerState() after a successful probe = %s, want closed", got)
	}
}
