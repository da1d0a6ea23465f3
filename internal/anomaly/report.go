package anomaly

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// scoreMetric scores metric m at every analysed minute and returns the anomalies.
func scoreMetric(m int, x []float64, samples int, verdicts []verdict, modelUsed string, req Request, w window) []Anomaly {
	b := newBaseline(x[history:])
	lo, hi := b.band()
	var out []Anomaly
	for i := history; i < w.n; i++ {
		z := b.z(x[i])
		s := statistical(z)
		sc := score(s, verdicts[i])
		if sc < req.Threshold {
			continue
		}
		a := Anomaly{Metric: metricNames[m], Type: "spike", AnomalyScore: sc, Confidence: confidence(s, verdicts[i], samples),
			Timestamp: w.at(i).Format(time.RFC3339), Value: x[i], ExpectedMin: lo, ExpectedMax: hi, Model: "statistical",
			Metrics: make(map[string]float64, FeaturesPerMetric), Current: i >= w.n-current}
		if z < 0 {
			a.Type = "drop"
		}
		if verdicts[i] == flagged {
			a.Model = modelUsed
		}
		a.Severity = severity(sc)
		for f, v := range Features(x, i) {
			a.Metrics[FeatureNames[f]] = v
		}
		a.Explanation = explain(a, z, b, req.TimeRange, verdicts[i])
		a.RecommendedAction = recommend(a, req.Scope)
		out = append(out, a)
	}
	return out
}

func severity(score float64) string {
	switch {
	case score >= 0.9:
		return "critical"
	case score >= 0.8:
		return "high"
	default:
		return "medium"
	}
}

func explain(a Anomaly, z float64, b baseline, span string, v verdict) string {
	side := "above"
	if z < 0 {
		side = "below"
	}
	why := "the statistical detector alone"
	switch v {
	case flagged:
		why = "the model flagged this minute"
	case normal:
		why = "the model did not flag this minute"
	}
	return fmt.Sprintf("%s was %.4g at %s, %.1f robust standard deviations %s its median %.4g over the last %s (%s)",
		a.Metric, a.Value, a.Timestamp, abs(z), side, b.median, span, why)
}

func abs(z float64) float64 {
	if z < 0 {
		return -z
	}
	return z
}

// recommend is the remediation for a spike in a workload's metric: more replicas for CPU, a
// restart for memory (what a leak needs until it is fixed). Node metrics, restarts, drops and
// anomalies with no workload in scope get none; the recommendations say what to look at.
func recommend(a Anomaly, s Scope) string {
	if a.Type != "spike" || (s.Deployment == "" && s.Pod == "") {
		return ""
	}
	switch a.Metric {
	case "pod_cpu_usage":
		if s.Deployment != "" {
			return "scale_up"
		}
	case "pod_memory_usage":
		if s.Deployment != "" {
			return "restart_deployment"
		}
		return "restart_pod"
	}
	return ""
}

var advice = map[string]string{
	"node_cpu_utilization":    "Node CPU is unusual: check node capacity and what else runs on the nodes.",
	"node_memory_utilization": "Node memory is unusual: check node capacity and memory pressure conditions.",
	"pod_cpu_usage":           "Pod CPU is unusual: scale the workload out or review its CPU requests.",
	"pod_memory_usage":        "Pod memory is unusual: look for a leak; a restart frees memory until it is fixed.",
	"container_restart_count": "Containers restart unusually often: read their logs; the engine's watchers remediate crash loops.",
}

// summarise sorts the anomalies (highest score first, then newest), caps the list, and fills
// the counts, recommendations and alerts.
func (r *Result) summarise() {
	slices.SortStableFunc(r.Anomalies, func(a, b Anomaly) int {
		return cmp.Or(cmp.Compare(b.AnomalyScore, a.AnomalyScore), cmp.Compare(b.Timestamp, a.Timestamp), cmp.Compare(a.Metric, b.Metric))
	})
	r.AnomaliesDetected = len(r.Anomalies)
	r.Summary.AnomaliesFound = len(r.Anomalies)
	alerted := map[string]bool{}
	for _, a := range r.Anomalies {
		r.Summary.BySeverity[a.Severity]++
		if msg := advice[a.Metric]; !slices.Contains(r.Recommendations, msg) {
			r.Recommendations = append(r.Recommendations, msg)
		}
		if a.Severity == "critical" && !alerted[a.Metric] {
			alerted[a.Metric] = true
			r.Alerts = append(r.Alerts, Alert{Type: "anomaly_" + a.Metric, Message: a.Explanation, Severity: a.Severity,
				ActionRequired: a.RecommendedAction != ""})
		}
	}
	if len(r.Anomalies) > maxReported {
		r.Anomalies = r.Anomalies[:maxReported]
	}
}
