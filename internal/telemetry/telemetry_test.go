package telemetry

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// breakerGauges gathers the breaker gauges by endpoint.
func breakerGauges(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	return gauges(t, reg, "coordination_engine_circuit_breaker_state")
}

// gauges gathers the family name's gauges by their first label's value.
func gauges(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out
}

func TestBreakerStatesAreReadOnEveryScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	states := map[string]string{"kserve/a": "closed", "kserve/b": "open"}
	if err := RegisterBreakers(reg, []string{"kserve/a", "kserve/b"}, func(e string) string { return states[e] }); err != nil {
		t.Fatal(err)
	}
	if got := breakerGauges(t, reg); got["kserve/a"] != 0 || got["kserve/b"] != 2 || len(got) != 2 {
		t.Errorf("gauges = %v, want a closed (0) and b open (2)", got)
	}
	states["kserve/b"] = "half_open"
	if got := breakerGauges(t, reg); got["kserve/b"] != 1 {
		t.Errorf("after half-opening b reads %v, want 1", got["kserve/b"])
	}
}

func TestWorkflowPhasesAreCountedOnEveryScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	counts := map[string]int{"awaiting_approval": 2, "failed": 1}
	if err := RegisterWorkflowPhases(reg, func() map[string]int { return counts }); err != nil {
		t.Fatal(err)
	}
	got := gauges(t, reg, "coordination_engine_workflows")
	if len(got) != 6 || got["awaiting_approval"] != 2 || got["failed"] != 1 || got["completed"] != 0 {
		t.Errorf("gauges = %v, want every phase, 2 awaiting approval and 1 failed", got)
	}
	counts = map[string]int{"failed": 3}
	if got := gauges(t, reg, "coordination_engine_workflows"); got["failed"] != 3 || got["awaiting_approval"] != 0 {
		t.Errorf("after a change: %v", got)
	}
}
