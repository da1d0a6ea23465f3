package chart

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// monitoringValues turn on the ServiceMonitor and the PrometheusRule.
func monitoringValues() map[string]any {
	return map[string]any{"serviceMonitor": map[string]any{"enabled": true}, "prometheusRule": map[string]any{"enabled": true}}
}

// promtool finds promtool, skipping the test without it (failing it when PROMETHEUS_REQUIRED=1).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		msg := "promtool is needed (Debian package prometheus: apt-get install prometheus): " + err.Error()
		if os.Getenv("PROMETHEUS_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// runPromtool runs promtool with args in dir and fails the test with its output on an error.
func runPromtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), promtool(t), args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// ruleGroups are the rendered PrometheusRule's spec.groups.
func ruleGroups(t *testing.T, objs Objects) []any {
	t.Helper()
	rule := objs.Find("PrometheusRule", Name)
	if rule == nil {
		t.Fatalf("no PrometheusRule rendered: %v", objs.Keys())
	}
	groups, ok, err := unstructured.NestedSlice(rule.Object, "spec", "groups")
	if err != nil || !ok || len(groups) == 0 {
		t.Fatalf("PrometheusRule spec.groups: %v %v", ok, err)
	}
	return groups
}

// dashboardQueries are the PromQL expressions of the rendered dashboard's panels.
func dashboardQueries(t *testing.T, objs Objects) []string {
	t.Helper()
	cm := objs.Find("ConfigMap", Name+"-dashboard")
	if cm == nil {
		t.Fatalf("no dashboard ConfigMap rendered: %v", objs.Keys())
	}
	if cm.GetLabels()["grafana_dashboard"] != "1" {
		t.Errorf("dashboard ConfigMap labels %v, want grafana_dashboard: \"1\"", cm.GetLabels())
	}
	raw, _, _ := unstructured.NestedString(cm.Object, "data", "coordination-engine.json")
	var dash struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(raw), &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if dash.UID == "" || dash.Title == "" || len(dash.Panels) < 4 {
		t.Fatalf("dashboard uid %q title %q with %d panels, want a titled dashboard with a few panels", dash.UID, dash.Title, len(dash.Panels))
	}
	var exprs []string
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	return exprs
}

// grafanaVariables replaces the dashboard's variables with what Grafana would put there.
var grafanaVariables = strings.NewReplacer("$namespace", releaseNamespace, "$__rate_interval", "5m")

var metricName = regexp.MustCompile(`\b(coordination_engine_[a-z_]+)\b`)

// referencedMetrics are the coordination_engine_* names the alerts and the dashboard query.
func referencedMetrics(t *testing.T, objs Objects) []string {
	t.Helper()
	var text []string
	for _, g := range ruleGroups(t, objs) {
		rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
		for _, r := range rules {
			text = append(text, r.(map[string]any)["expr"].(string))
		}
	}
	text = append(text, dashboardQueries(t, objs)...)
	set := map[string]bool{}
	for _, s := range text {
		for _, m := range metricName.FindAllStringSubmatch(s, -1) {
			set[m[1]] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// The ServiceMonitor scrapes the Service's metrics port, whose job label is the one the
// platform's CoordinationEngineDown alert selects.
func TestChartServiceAndServiceMonitor(t *testing.T) {
	objs := render(t, monitoringValues())
	var svc corev1.Service
	if err := objs.Into("Service", Name, &svc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range svc.Spec.Ports {
		got[p.Name] = fmt.Sprintf("%d->%s", p.Port, p.TargetPort.String())
	}
	if len(got) != 2 || got["http"] != "8080->http" || got["metrics"] != "9090->metrics" {
		t.Errorf("Service ports %v, want http 8080 and metrics 9090 to the ports of those names", got)
	}
	d := deployment(t, objs)
	if sel := labels.SelectorFromSet(svc.Spec.Selector); svc.Name != Name || len(svc.Spec.Selector) == 0 || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("Service %s selects %v, want coordination-engine selecting the engine's pods", svc.Name, svc.Spec.Selector)
	}
	sm := objs.Find("ServiceMonitor", Name)
	if sm == nil {
		t.Fatal("no ServiceMonitor with serviceMonitor.enabled")
	}
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	for k, v := range sel {
		if svc.Labels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%s, which the Service lacks (%v)", k, v, svc.Labels)
		}
	}
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(eps) != 1 || eps[0].(map[string]any)["port"] != "metrics" || eps[0].(map[string]any)["path"] != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %v, want /metrics on port metrics", eps)
	}
	if off := render(t, nil); off.Find("ServiceMonitor", Name) != nil || off.Find("PrometheusRule", Name) != nil {
		t.Error("ServiceMonitor or PrometheusRule rendered though not enabled")
	}
}

// The alerts are valid Prometheus rules and fire when they should, and only then (promtool test
// rules against series of the engine's metrics); the dashboard's queries are valid PromQL.
func TestChartAlertsAndDashboard(t *testing.T) {
	objs := render(t, monitoringValues())
	dir := t.TempDir()
	groups := ruleGroups(t, objs)
	writeYAML(t, filepath.Join(dir, "rules.yaml"), map[string]any{"groups": groups})
	runPromtool(t, dir, "check", "rules", "rules.yaml")

	var names []string
	for _, g := range groups {
		gm := g.(map[string]any)
		rules, _, _ := unstructured.NestedSlice(gm, "rules")
		for _, r := range rules {
			rm := r.(map[string]any)
			names = append(names, rm["alert"].(string))
			delete(rm, "annotations") // checked above; the behaviour tests compare labels only
		}
		gm["rules"] = rules
	}
	for _, want := range []string{"CoordinationEngineDown", "CoordinationEngineRemediationFailureRate",
		"CoordinationEngineCircuitBreakerOpen", "CoordinationEngineApprovalsWaiting"} {
		if !slices.Contains(names, want) {
			t.Errorf("alerts %v lack %s", names, want)
		}
	}
	writeYAML(t, filepath.Join(dir, "behaviour.yaml"), map[string]any{"groups": groups})
	if err := os.WriteFile(filepath.Join(dir, "alerts_test.yaml"), []byte(alertTests), 0o600); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, dir, "test", "rules", "alerts_test.yaml")

	// Each dashboard query becomes a recording rule, which promtool parses.
	var rules []any
	for i, q := range dashboardQueries(t, objs) {
		rules = append(rules, map[string]any{"record": "dashboard:query:" + string(rune('a'+i)), "expr": grafanaVariables.Replace(q)})
	}
	writeYAML(t, filepath.Join(dir, "dashboard.yaml"), map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	runPromtool(t, dir, "check", "rules", "dashboard.yaml")
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// alertTests are promtool's unit tests of behaviour.yaml (the chart's alerts, rendered in
// self-healing-platform): each alert fires on the engine's series after its `for`, and not on
// another namespace's or on healthy values.
const alertTests = `rule_files: [behaviour.yaml]
evaluation_interval: 1m
tests:
- interval: 1m
  input_series:
  - series: 'up{job="coordination-engine",namespace="self-healing-platform",pod="ce-a"}'
    values: '1 1 0x10'
  - series: 'up{job="coordination-engine",namespace="elsewhere",pod="ce-b"}'
    values: '0x12'
  - series: 'coordination_engine_status{namespace="self-healing-platform",pod="ce-a"}'
    values: '1 0x10'
  - series: 'coordination_engine_circuit_breaker_state{namespace="self-healing-platform",pod="ce-a",endpoint="ml_service"}'
    values: '0 2x10'
  - series: 'coordination_engine_circuit_breaker_state{namespace="self-healing-platform",pod="ce-a",endpoint="kserve/anomaly-detector"}'
    values: '0x11'
  alert_rule_test:
  - eval_time: 3m
    alertname: CoordinationEngineDown
    exp_alerts: []
  - eval_time: 5m
    alertname: CoordinationEngineDown
    exp_alerts:
    - exp_labels: {severity: critical, job: coordination-engine, namespace: self-healing-platform, pod: ce-a}
  - eval_time: 5m
    alertname: CoordinationEngineMetricsAbsent
    exp_alerts: []
  - eval_time: 4m
    alertname: CoordinationEngineUnhealthy
    exp_alerts: []
  - eval_time: 7m
    alertname: CoordinationEngineUnhealthy
    exp_alerts:
    - exp_labels: {severity: critical, namespace: self-healing-platform, pod: ce-a}
  - eval_time: 7m
    alertname: CoordinationEngineCircuitBreakerOpen
    exp_alerts:
    - exp_labels: {severity: warning, namespace: self-healing-platform, pod: ce-a, endpoint: ml_service}

- interval: 1m
  input_series:
  - series: 'up{job="coordination-engine",namespace="elsewhere",pod="ce-b"}'
    values: '1x20'
  alert_rule_test:
  - eval_time: 20m
    alertname: CoordinationEngineMetricsAbsent
    exp_alerts:
    - exp_labels: {severity: warning, job: coordination-engine, namespace: self-healing-platform}

# Two replicas report the same records. 4 of the 5 workflows that finished in the hour failed.
- interval: 1m
  input_series:
  - series: 'coordination_engine_workflows{namespace="self-healing-platform",pod="ce-a",phase="failed"}'
    values: '2x30 6x60'
  - series: 'coordination_engine_workflows{namespace="self-healing-platform",pod="ce-b",phase="failed"}'
    values: '2x30 6x60'
  - series: 'coordination_engine_workflows{namespace="self-healing-platform",pod="ce-a",phase="completed"}'
    values: '10x30 11x60'
  - series: 'coordination_engine_workflows{namespace="self-healing-platform",pod="ce-a",phase="awaiting_approval"}'
    values: '0x10 1x80'
  alert_rule_test:
  - eval_time: 59m
    alertname: CoordinationEngineRemediationFailureRate
    exp_alerts: []
  - eval_time: 70m
    alertname: CoordinationEngineRemediationFailureRate
    exp_alerts:
    - exp_labels: {severity: warning}
  - eval_time: 35m
    alertname: CoordinationEngineApprovalsWaiting
    exp_alerts: []
  - eval_time: 45m
    alertname: CoordinationEngineApprovalsWaiting
    exp_alerts:
    - exp_labels: {severity: warning}

# Failures among many successes, and another namespace's failures: no alert. Reopened problems.
- interval: 1m
  input_series:
  - series: 'coordination_engine_workflows{namespace="self-healing-platform",pod="ce-a",phase="failed"}'
    values: '0x30 4x60'
  - series: 'coordination_engine_workflows{namespace="self-healing-platform",pod="ce-a",phase="completed"}'
    values: '0x30 20x60'
  - series: 'coordination_engine_workflows{namespace="elsewhere",pod="ce-b",phase="failed"}'
    values: '0x30 5x60'
  - series: 'coordination_engine_workflows{namespace="elsewhere",pod="ce-b",phase="completed"}'
    values: '0x90'
  - series: 'coordination_engine_signals_total{namespace="self-healing-platform",pod="ce-a",source="watcher",issue="oom_kill",outcome="reopened"}'
    values: '0+1x20'
  - series: 'coordination_engine_signals_total{namespace="self-healing-platform",pod="ce-a",source="watcher",issue="pod_crash",outcome="opened"}'
    values: '0+1x20'
  alert_rule_test:
  - eval_time: 70m
    alertname: CoordinationEngineRemediationFailureRate
    exp_alerts: []
  - eval_time: 10m
    alertname: CoordinationEngineProblemsReturning
    exp_alerts:
    - exp_labels: {severity: warning, issue: oom_kill}

- interval: 1m
  input_series:
  - series: 'coordination_engine_workflows{namespace="self-healing-platform",pod="ce-a",phase="failed"}'
    values: '2x30 9x40 1x30'
  - series: 'coordination_engine_workflows{namespace="self-healing-platform",pod="ce-a",phase="completed"}'
    values: '0x102'
  alert_rule_test:
  - eval_time: 70m
    alertname: CoordinationEngineRemediationFailureRate
    exp_alerts:
    - exp_labels: {severity: warning}
  # Retention pruned records at 72m: fewer failed records than an hour ago is no failure.
  - eval_time: 90m
    alertname: CoordinationEngineRemediationFailureRate
    exp_alerts: []
`
