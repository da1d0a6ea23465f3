package engine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/testenv/promtest"
)

const mib = 1 << 20

// kservePredictor is an anomaly-detector speaking KServe v1: it flags (-1) the instances whose
// pod_memory_usage value (feature 27) is above 300Mi, and is always loaded.
func kservePredictor(t *testing.T) *url.URL {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"name":"anomaly-detector","ready":true}`))
			return
		}
		var body struct{ Instances [][]float64 }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"error":%q}`, err.Error())
			return
		}
		flags := make([]int, len(body.Instances))
		for i, in := range body.Instances {
			flags[i] = 1
			if len(in) != 45 {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = fmt.Fprintf(w, `{"error":"X has %d features, but IsolationForest is expecting 45 features as input."}`, len(in))
				return
			}
			if in[27] > 300*mib {
				flags[i] = -1
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"predictions": flags})
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u
}

// leakingPods writes an hour of cAdvisor working-set samples up to a few minutes from now for
// each Deployment's pod: ~100Mi, then 400Mi for the last minutes. minutes sets how long each
// pod has run (how much history the analysis gets).
func leakingPods(ns string, minutes map[string]int) string {
	now := time.Now().UTC().Truncate(time.Minute)
	var series []promtest.Series
	for deploy, n := range minutes {
		start := now.Add(-time.Duration(n) * time.Minute)
		values := make([]float64, n+6)
		for k := range values {
			values[k] = float64(100*mib + (k%5)*mib)
			if k >= n-2 {
				values[k] = 400 * mib
			}
		}
		series = append(series, promtest.Series{Name: "container_memory_working_set_bytes", Start: start, Step: time.Minute, Values: values,
			Labels: map[string]string{"namespace": ns, "pod": deploy + "-5d4f8b7c9-abcde", "container": "app"}})
	}
	return promtest.OpenMetrics(series...)
}

// withAnomalyAnalysis points the engine at Prometheus and the KServe predictor, and lets the
// auto-remediation policy act on memory anomalies.
func withAnomalyAnalysis(t *testing.T, prom string, predictor *url.URL) func(*config.Options) {
	return func(o *config.Options) {
		o.PrometheusURL, _ = url.Parse(prom)
		o.KServeEnabled = true
		o.KServeModels = []config.KServeModel{{Name: "anomaly-detector", Model: "anomaly-detector", URL: predictor}}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: o.AutoRemediationConfigMap},
			Data: map[string]string{"policy.yaml": "rules:\n- signals: [high_memory]\n  mode: automatic\n"}}
		if err := env.Client(t).Create(t.Context(), cm); err != nil {
			t.Fatal(err)
		}
		// Long enough that a deterministic action is still held while the anomaly arrives.
		o.VerifyWindow, o.VerifyTimeout = 20*time.Second, time.Minute
	}
}

type analysisAnswer struct {
	Status    string   `json:"status"`
	Degraded  []string `json:"degraded_reasons"`
	Anomalies []struct {
		Metric            string  `json:"metric"`
		Model             string  `json:"model"`
		RecommendedAction string  `json:"recommended_action"`
		Confidence        float64 `json:"confidence"`
	} `json:"anomalies"`
	Incidents []struct {
		IncidentID string `json:"incident_id"`
		WorkflowID string `json:"workflow_id"`
		Note       string `json:"note"`
	} `json:"incidents"`
}

func (e *testEngine) analyze(t *testing.T, ns, deploy string) analysisAnswer {
	t.Helper()
	var a analysisAnswer
	body := fmt.Sprintf(`{"namespace":%q,"deployment":%q,"metrics":["pod_memory_usage"],"timeRange":"1h"}`, ns, deploy)
	e.mustDo(http.MethodPost, "/api/v1/anomalies/analyze", body, http.StatusOK, &a)
	if a.Status != "success" || len(a.Anomalies) == 0 || len(a.Incidents) != 1 || a.Incidents[0].WorkflowID == "" {
		t.Fatalf("analysis of %s: %+v, want anomalies and one incident with a workflow", deploy, a)
	}
	return a
}

// TestAIDrivenIncidentsGoThroughTheGate is issue 7's "Done when" for AI-driven actions: an
// anomaly the model flags with enough history is acted on; one with too little history is
// refused by the confidence threshold; one on a target a deterministic action holds loses.
func TestAIDrivenIncidentsGoThroughTheGate(t *testing.T) {
	ns := env.Namespace(t)
	prom := promtest.Start(t, leakingPods(ns, map[string]int{"confident": 60, "young": 20, "held": 60}))
	e := startEngine(t, withAnomalyAnalysis(t, prom.URL, kservePredictor(t)))
	c := env.Client(t)
	for _, d := range []string{"confident", "young", "held"} {
		newDeployment(t, c, ns, d)
	}
	playDeploymentController(t, c, ns)

	t.Run("a confident anomaly restarts the Deployment", func(t *testing.T) {
		a := e.analyze(t, ns, "confident")
		if an := a.Anomalies[0]; an.Model != "anomaly-detector" || an.RecommendedAction != "restart_deployment" || an.Confidence < 0.8 {
			t.Fatalf("anomaly %+v: want the model's, recommending restart_deployment with confidence ≥ 0.8", an)
		}
		wf := e.waitWorkflow(a.Incidents[0].WorkflowID, "running", "completed")
		if len(wf.Steps) != 1 || wf.Steps[0].Action != "restart" {
			t.Errorf("steps %+v, want one restart", wf.Steps)
		}
		// "running" covers applying: wait for the change itself.
		waitChanged(t, "the Deployment's pods restarted", func() bool {
			return getDeployment(t, c, ns, "confident").Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] != ""
		})
	})
	t.Run("an anomaly with little history is below the confidence threshold", func(t *testing.T) {
		a := e.analyze(t, ns, "young")
		if an := a.Anomalies[0]; an.Confidence >= 0.8 {
			t.Fatalf("confidence %v with 20 minutes of data, want < 0.8", an.Confidence)
		}
		wf := e.waitWorkflow(a.Incidents[0].WorkflowID, "failed", "cancelled", "completed")
		if wf.Reason != "LowConfidence" || len(getDeployment(t, c, ns, "young").Spec.Template.Annotations) != 0 {
			t.Errorf("workflow %s (%s: %s), want failed LowConfidence and the Deployment untouched", wf.Status, wf.Reason, wf.Message)
		}
	})
	t.Run("an AI-driven action loses to a deterministic one on its target", func(t *testing.T) {
		var det triggerAnswer
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "held", "oom_kill", false), http.StatusAccepted, &det)
		e.waitWorkflow(det.WorkflowID, "running")
		waitChanged(t, "the deterministic memory limit applied", func() bool {
			return getDeployment(t, c, ns, "held").Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String() != "256Mi"
		})
		a := e.analyze(t, ns, "held")
		wf := e.waitWorkflow(a.Incidents[0].WorkflowID, "cancelled", "failed", "completed")
		if wf.Status != "cancelled" || wf.Reason != "ConflictLost" || !strings.Contains(wf.Message, det.WorkflowID) {
			t.Errorf("AI-driven workflow %s (%s: %s), want cancelled: ConflictLost to %s", wf.Status, wf.Reason, wf.Message, det.WorkflowID)
		}
	})
}

// hungServer accepts connections and never answers, until the test ends.
func hungServer(t testing.TB) *url.URL {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	u, _ := url.Parse(srv.URL)
	return u
}

// TestAHungMLServiceBlocksNothing is issue 7's "Done when" for ML outages: with the ML service
// hanging, analyses answer degraded within the client's timeouts and then at once (breaker
// open), health says degraded, and deterministic remediation goes on.
func TestAHungMLServiceBlocksNothing(t *testing.T) {
	ns := env.Namespace(t)
	prom := promtest.Start(t, leakingPods(ns, map[string]int{"web": 60}))
	e := startEngine(t, fastVerify, func(o *config.Options) {
		o.PrometheusURL, _ = url.Parse(prom.URL)
		o.MLServiceURL = hungServer(t)
		o.MLServiceTimeout = 200 * time.Millisecond
	})
	c := env.Client(t)
	newDeployment(t, c, ns, "web")
	playDeploymentController(t, c, ns)

	var det triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "pod_crash", false), http.StatusAccepted, &det)
	body := fmt.Sprintf(`{"namespace":%q,"deployment":"web","metrics":["pod_memory_usage"]}`, ns)
	var took []time.Duration
	for range 6 {
		var a analysisAnswer
		start := time.Now()
		e.mustDo(http.MethodPost, "/api/v1/anomalies/analyze", body, http.StatusOK, &a)
		took = append(took, time.Since(start))
		if a.Status != "degraded" || len(a.Degraded) != 1 || !strings.Contains(a.Degraded[0], "unavailable") || len(a.Anomalies) == 0 || a.Anomalies[0].Model != "statistical" {
			t.Fatalf("analysis with the ML service hung: %+v, want degraded, scored statistically", a)
		}
		if len(a.Incidents) != 1 || a.Incidents[0].Note == "" {
			t.Errorf("incidents %+v: want one, held back (high_memory is incident-only by default)", a.Incidents)
		}
	}
	t.Logf("analyses with the ML service hung took %v", took)
	// Each of the first five waits out 3 attempts of 200ms; the breaker is then open.
	if took[0] > 5*time.Second || took[5] > 500*time.Millisecond {
		t.Errorf("analyses took %v: want each bounded by the timeouts, the last at once", took)
	}
	var h struct {
		Status       string                             `json:"status"`
		Dependencies map[string]struct{ Status string } `json:"dependencies"`
		Breakers     map[string]string                  `json:"circuit_breakers"`
	}
	start := time.Now()
	e.mustDo(http.MethodGet, "/api/v1/health", "", http.StatusOK, &h)
	t.Logf("/api/v1/health took %v", time.Since(start))
	if h.Status != "degraded" || h.Breakers["ml_service"] != "open" || h.Dependencies["ml_service"].Status != "down" {
		t.Errorf("health %+v: want degraded, the ML service down and its breaker open", h)
	}
	if wf := e.waitWorkflow(det.WorkflowID, "completed", "failed", "cancelled"); wf.Status != "completed" {
		t.Errorf("deterministic workflow %s (%s: %s), want completed while the ML service hangs", wf.Status, wf.Reason, wf.Message)
	}
}

// waitChanged polls done until it holds, for at most 15 s.
func waitChanged(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 15s: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
