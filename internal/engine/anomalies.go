package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/anomaly"
	"selfhealing.dev/coordination-engine/internal/httpapi"
	"selfhealing.dev/coordination-engine/internal/intake"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/mlservice"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// anomalyAnalysis runs analyses and turns ongoing anomalies that recommend an action on a
// workload into AI-driven incidents, which the auto-remediation policy and the safety gate
// (confidence threshold, deterministic actions first) then decide on.
type anomalyAnalysis struct {
	analyzer *anomaly.Analyzer
	pods     client.Reader
	intake   *intake.Intake
	metrics  *telemetry.Metrics
}

var _ httpapi.Anomalies = (*anomalyAnalysis)(nil)

// Analyze resolves the label selector to pods, analyses, and opens the incidents.
func (a *anomalyAnalysis) Analyze(ctx context.Context, req anomaly.Request, selector string) (anomaly.Result, error) {
	if selector != "" {
		pods, err := a.selectPods(ctx, req.Scope.Namespace, selector)
		if err != nil {
			return anomaly.Result{}, err
		}
		req.Scope.Pods = pods
	}
	res, err := a.analyzer.Analyze(ctx, req)
	if err != nil {
		return res, err
	}
	target, ok := workloadOf(req.Scope)
	if !ok {
		return res, nil
	}
	for _, an := range ongoing(res.Anomalies) {
		out, err := a.intake.Open(ctx, signalOf(an, target))
		if err != nil {
			return res, fmt.Errorf("open incident for the %s anomaly: %w", an.Metric, err)
		}
		if a.metrics != nil {
			a.metrics.Signals.WithLabelValues("anomaly", an.Metric, out.Action).Inc()
		}
		res.Incidents = append(res.Incidents, anomaly.IncidentRef{Metric: an.Metric, IncidentID: out.Incident, Action: out.Action,
			WorkflowID: out.Workflow, Note: out.Note})
	}
	return res, nil
}

// selectPods lists the names of the pods the label selector chooses.
func (a *anomalyAnalysis) selectPods(ctx context.Context, namespace, selector string) ([]string, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, &anomaly.FieldError{Field: "labelSelector", Message: err.Error()}
	}
	var list corev1.PodList
	if err := a.pods.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("list pods for labelSelector: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, &anomaly.FieldError{Field: "labelSelector", Message: fmt.Sprintf("%q matches no pod", selector)}
	}
	names := make([]string, len(list.Items))
	for i := range list.Items {
		names[i] = list.Items[i].Name
	}
	return names, nil
}

// workloadOf is the workload an analysis was about, if it named one.
func workloadOf(s anomaly.Scope) (v1alpha1.Target, bool) {
	switch {
	case s.Namespace == "":
		return v1alpha1.Target{}, false
	case s.Deployment != "":
		return v1alpha1.Target{Kind: "Deployment", Namespace: s.Namespace, Name: s.Deployment}, true
	case s.Pod != "":
		return v1alpha1.Target{Kind: "Pod", Namespace: s.Namespace, Name: s.Pod}, true
	}
	return v1alpha1.Target{}, false
}

// ongoing are the anomalies of the window's last minutes that recommend an action, the highest
// scoring one per metric (the list is sorted by score).
func ongoing(all []anomaly.Anomaly) []anomaly.Anomaly {
	var out []anomaly.Anomaly
	seen := map[string]bool{}
	for _, an := range all {
		if an.Current && an.RecommendedAction != "" && !seen[an.Metric] {
			seen[an.Metric] = true
			out = append(out, an)
		}
	}
	return out
}

func signalOf(an anomaly.Anomaly, target v1alpha1.Target) intake.Signal {
	kind := issue.HighCPU
	if an.Metric == "pod_memory_usage" {
		kind = issue.HighMemory
	}
	sev := v1alpha1.SeverityMedium
	switch an.Severity {
	case "critical":
		sev = v1alpha1.SeverityCritical
	case "high":
		sev = v1alpha1.SeverityHigh
	}
	key := "anomaly:" + target.String() + ":" + an.Metric
	return intake.Signal{Source: v1alpha1.SourceAIDriven, Key: key, Target: target, Issue: kind, Severity: sev,
		Title: fmt.Sprintf("Anomalous %s on %s", an.Metric, target), Description: an.Explanation,
		Labels:     map[string]string{"metric": an.Metric, "model": an.Model},
		Confidence: an.Confidence, Action: an.RecommendedAction}
}

// modelFlags asks the anomaly-detector through KServe when the registry has the model, else
// through the ML service (POST {ML_SERVICE_URL}/api/v1/detect with the same body).
type modelFlags struct {
	kserve httpapi.Models
	ml     *mlservice.MLService
}

func (m modelFlags) Flags(ctx context.Context, model string, instances [][]float64) ([]int, error) {
	if m.kserve != nil {
		if _, ok := m.kserve.Registry().Lookup(model); ok {
			p, err := m.kserve.Predict(ctx, model, instances)
			if err != nil {
				return nil, err
			}
			return p.Ints()
		}
	}
	if m.ml == nil {
		return nil, fmt.Errorf("%w: %s is not a configured KServe model and ML_SERVICE_URL is not set", mlservice.ErrUnknownModel, model)
	}
	body, err := json.Marshal(struct {
		Model     string      `json:"model"`
		Instances [][]float64 `json:"instances"`
	}{model, instances})
	if err != nil {
		return nil, fmt.Errorf("encode instances: %w", err)
	}
	raw, err := m.ml.Detect(ctx, body)
	if err != nil {
		return nil, err
	}
	var p mlservice.Prediction
	if err := json.Unmarshal(raw, &p); err != nil || len(p.Predictions) == 0 {
		return nil, errors.Join(errors.New("the ML service's answer has no predictions"), err)
	}
	return p.Ints()
}
