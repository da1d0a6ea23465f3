package anomaly

import (
	"selfhealing.dev/coordination-engine/internal/promquery"
)

// metricNames are the model's five metrics, in its order.
var metricNames = [...]string{"node_cpu_utilization", "node_memory_utilization", "pod_cpu_usage", "pod_memory_usage", "container_restart_count"}

// MetricNames returns the five metric names in the model's order.
func MetricNames() []string { return metricNames[:] }

// queries returns one PromQL query per metric, each aggregated to one series. Node metrics are
// the cluster's (ratios 0..1); pod metrics are summed over the scope's containers (CPU cores,
// working-set bytes, restarts).
func queries(s Scope) [len(metricNames)]string {
	pods := s.matchers()
	containers := append([]string{`container!=""`, `container!="POD"`}, pods...)
	return [len(metricNames)]string{
		`1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))`,
		`1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)`,
		`sum(rate(container_cpu_usage_seconds_total` + promquery.Selector(containers...) + `[5m]))`,
		`sum(container_memory_working_set_bytes` + promquery.Selector(containers...) + `)`,
		`sum(kube_pod_container_status_restarts_total` + promquery.Selector(pods...) + `)`,
	}
}

// Scope is what the pod metrics cover; the zero Scope is the whole cluster.
type Scope struct {
	Namespace  string
	Deployment string
	Pod        string
	// Pods are the pods a label selector chose (in Namespace, or anywhere when it is ""); the
	// caller refuses a selector that chose none.
	Pods []string
}

// matchers are the scope's label matchers. A Deployment's pods are named
// <deployment>-<pod-template-hash>-<suffix>.
func (s Scope) matchers() []string {
	var m []string
	if s.Namespace != "" {
		m = append(m, promquery.Equal("namespace", s.Namespace))
	}
	switch {
	case s.Pod != "":
		m = append(m, promquery.Equal("pod", s.Pod))
	case s.Deployment != "":
		m = append(m, promquery.Prefixed("pod", s.Deployment+"-", "[a-z0-9]+-[a-z0-9]+"))
	case len(s.Pods) > 0:
		m = append(m, promquery.AnyOf("pod", s.Pods))
	}
	return m
}
