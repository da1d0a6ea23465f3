package remediation

import (
	"testing"
	"time"
)

func TestTrackHealthyRun(t *testing.T) {
	e := NewExecutor(ExecutorDeps{}, ExecutorOptions{}, discard())
	t0 := time.Unix(1000, 0)
	steps := []struct {
		name string
		h    Health
		at   time.Duration
		want time.Duration
	}{
		{"the first healthy look starts the run", Health{Healthy: true, Restarts: 5}, 0, 0},
		{"healthy with the same restarts extends it", Health{Healthy: true, Restarts: 5}, 10 * time.Second, 10 * time.Second},
		{"fewer restarts (pods replaced) extends it", Health{Healthy: true, Restarts: 2}, 20 * time.Second, 20 * time.Second},
		{"a new restart starts the run again", Health{Healthy: true, Restarts: 3}, 30 * time.Second, 0},
		{"then it grows from there", Health{Healthy: true, Restarts: 3}, 35 * time.Second, 5 * time.Second},
		{"an unhealthy look ends the run", Health{Healthy: false, Restarts: 3}, 40 * time.Second, 0},
		{"the next healthy look starts a new run", Health{Healthy: true, Restarts: 3}, 50 * time.Second, 0},
	}
	for _, s := range steps {
		if got := e.track("wf", s.h, t0.Add(s.at)); got != s.want {
			t.Fatalf("%s: track() = %s, want %s", s.name, got, s.want)
		}
	}
}
