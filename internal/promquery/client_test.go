package promquery

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestTheTokenIsReadOnEveryQuery: a rotated service account token is sent from the next query on.
func TestTheTokenIsReadOnEveryQuery(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[60,"2.5"]]}]}}`))
	}))
	defer srv.Close()
	token := filepath.Join(t.TempDir(), "token")
	c, err := New(Options{URL: srv.URL, TokenFile: token})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"first\n", "second"} {
		if err := os.WriteFile(token, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		series, err := c.Range(t.Context(), "up", time.Unix(0, 0), time.Unix(60, 0), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 1 || series[0].Labels["a"] != "1" || len(series[0].Points) != 1 || series[0].Points[0].V != 2.5 {
			t.Fatalf("series = %+v", series)
		}
	}
	if len(seen) != 2 || seen[0] != "Bearer first" || seen[1] != "Bearer second" {
		t.Errorf("Authorization headers %q, want the token of the moment each time", seen)
	}
}

func TestErrorsSayWhetherPrometheusIsDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.FormValue("query") == "bad(" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"error","errorType":"unavailable","error":"overloaded"}`))
	}))
	defer srv.Close()
	c, err := New(Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query    string
		wantDown bool
	}{{"bad(", false}, {"up", true}}
	for _, tt := range tests {
		_, err := c.Range(t.Context(), tt.query, time.Unix(0, 0), time.Unix(60, 0), time.Minute)
		if err == nil || errors.Is(err, ErrUnavailable) != tt.wantDown {
			t.Errorf("query %s: err %v, want unavailable %v", tt.query, err, tt.wantDown)
		}
	}
	if _, err := New(Options{URL: srv.URL, CAFile: filepath.Join(t.TempDir(), "missing.crt")}); err == nil {
		t.Error("a CA file that does not exist: no error")
	}
}
