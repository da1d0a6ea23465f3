// Package telemetry defines the Prometheus metric families that the platform's dashboards and
// alerts rely on (contract §1), registered on an injected registerer. The label sets the
// dashboards query are initialised at start, so their series exist before the first event.
package telemetry

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// ActionTypes are the action_type label values the dashboards know, initialised at start.
var ActionTypes = []string{"node_remediation", "resource_scaling", "model_inference", "alert_correlation",
	"restart", "rollback", "set_memory_limit", "scale", "evict", "sync", "commit", "patch_custom_resource", "cordon", "drain"}

// ActionSources are the source label values.
var ActionSources = []string{"deterministic", "ai_driven", "manual"}

// ConflictTypes are the conflict_type label values.
var ConflictTypes = []string{"same_target", "action_pair", "low_confidence"}

// Metrics are the engine-level metric families.
type Metrics struct {
	// Status is 1 while the engine is healthy (it can reach the Kubernetes API), else 0.
	Status prometheus.Gauge
	// ActiveActions counts actions being carried out now.
	ActiveActions prometheus.Gauge
	// Actions counts actions by type and source.
	Actions *prometheus.CounterVec
	// Conflicts counts conflicts between actions by type.
	Conflicts *prometheus.CounterVec
	// Resolution observes the seconds from incident to verified resolution.
	Resolution prometheus.Histogram
	// BuildInfo is 1, labelled with the version.
	BuildInfo *prometheus.GaugeVec
	// PlatformInfo is 1, labelled with the detected platform and version.
	PlatformInfo *prometheus.GaugeVec
	// DependencyUp is 1 when a dependency is ok, 0 otherwise, by dependency.
	DependencyUp *prometheus.GaugeVec
	// Signals counts the problems the engine found itself (watchers, alerts), by source, issue
	// type and what the intake did (opened, updated, reopened, resolved, ignored).
	Signals *prometheus.CounterVec
	// Detection observes the seconds from a watcher first seeing a symptom to the incident
	// being opened (the debounce included).
	Detection prometheus.Histogram
	// Watched is how many objects the watchers hold, by kind.
	Watched *prometheus.GaugeVec
}

// New creates the metric families, registers them on reg and initialises their label sets.
func New(reg prometheus.Registerer, version string) *Metrics {
	m := &Metrics{
		Status: prometheus.NewGauge(prometheus.GaugeOpts{Name: "coordination_engine_status",
			Help: "1 while the coordination engine is healthy (it reaches the Kubernetes API), else 0."}),
		ActiveActions: prometheus.NewGauge(prometheus.GaugeOpts{Name: "coordination_engine_active_actions",
			Help: "Remediation actions being carried out now."}),
		Actions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coordination_engine_actions_total",
			Help: "Remediation actions started, by action type and source (deterministic, ai_driven, manual)."},
			[]string{"action_type", "source"}),
		Conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coordination_engine_conflicts_total",
			Help: "Conflicts between remediation actions, by conflict type."}, []string{"conflict_type"}),
		Resolution: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "coordination_engine_resolution_seconds",
			Help:    "Seconds from an incident's creation to its verified resolution.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600}}),
		BuildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coordination_engine_build_info",
			Help: "Always 1; the version label says which engine runs."}, []string{"version"}),
		PlatformInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coordination_engine_platform_info",
			Help: "Always 1 for the detected platform (openshift or kubernetes) and its version."}, []string{"platform", "version"}),
		DependencyUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coordination_engine_dependency_up",
			Help: "1 when the dependency answers as expected (ok), else 0; disabled dependencies are absent."}, []string{"dependency"}),
	}
	m.Signals = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coordination_engine_signals_total",
		Help: "Problems the engine found itself, by source (watcher, alert), issue type and outcome (opened, updated, reopened, resolved, ignored)."},
		[]string{"source", "issue", "outcome"})
	m.Detection = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "coordination_engine_detection_seconds",
		Help:    "Seconds from a watcher first seeing a symptom to its incident being opened, the debounce included.",
		Buckets: []float64{0.5, 1, 2, 5, 10, 15, 30, 60, 120}})
	m.Watched = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coordination_engine_watched_objects",
		Help: "Objects the cluster watchers hold in their caches, by kind."}, []string{"kind"})
	reg.MustRegister(m.Status, m.ActiveActions, m.Actions, m.Conflicts, m.Resolution, m.BuildInfo, m.PlatformInfo, m.DependencyUp,
		m.Signals, m.Detection, m.Watched)
	for _, t := range ActionTypes {
		for _, s := range ActionSources {
			m.Actions.WithLabelValues(t, s)
		}
	}
	for _, c := range ConflictTypes {
		m.Conflicts.WithLabelValues(c)
	}
	m.BuildInfo.WithLabelValues(version).Set(1)
	return m
}

// SetPlatform records the detected platform, replacing the previous one.
func (m *Metrics) SetPlatform(platform, version string) {
	m.PlatformInfo.Reset()
	m.PlatformInfo.WithLabelValues(platform, version).Set(1)
}

// RegisterBreakers exposes coordination_engine_circuit_breaker_state{endpoint} for each endpoint:
// 0 closed, 1 half-open, 2 open, read from state on every scrape.
func RegisterBreakers(reg prometheus.Registerer, endpoints []string, state func(endpoint string) string) error {
	for _, e := range endpoints {
		g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "coordination_engine_circuit_breaker_state",
			Help:        "Circuit breaker of a dependency endpoint: 0 closed, 1 half-open, 2 open.",
			ConstLabels: prometheus.Labels{"endpoint": e}}, func() float64 {
			switch state(e) {
			case "open":
				return 2
			case "half_open":
				return 1
			}
			return 0
		})
		if err := reg.Register(g); err != nil {
			return fmt.Errorf("register breaker metric of %s: %w", e, err)
		}
	}
	return nil
}

// workflowPhases are the phases coordination_engine_workflows reports, always all of them.
var workflowPhases = []string{"pending", "running", "awaiting_approval", "completed", "failed", "cancelled"}

// RegisterWorkflowPhases exposes coordination_engine_workflows{phase}: the workflow records in
// each phase (finished ones until retention prunes them), read from count on every scrape.
// Alerts use it for approvals waiting and, with increase(), for the failure rate.
func RegisterWorkflowPhases(reg prometheus.Registerer, count func() map[string]int) error {
	desc := prometheus.NewDesc("coordination_engine_workflows",
		"Remediation workflow records by phase (pending, running, awaiting_approval, completed, failed, cancelled).", []string{"phase"}, nil)
	if err := reg.Register(collectorFunc{desc: desc, collect: func(ch chan<- prometheus.Metric) {
		counts := count()
		for _, p := range workflowPhases {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(counts[p]), p)
		}
	}}); err != nil {
		return fmt.Errorf("register workflow phase metric: %w", err)
	}
	return nil
}

// collectorFunc is a collector of one family computed at scrape time.
type collectorFunc struct {
	desc    *prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }
