package alertmanager

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// firingAlert is a firing alert with the labels given as name, value pairs.
func firingAlert(labels ...string) Alert {
	a := Alert{Status: StatusFiring, Fingerprint: "3f0a9c1d2b4e5f67", Labels: map[string]string{},
		StartsAt: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	for i := 0; i+1 < len(labels); i += 2 {
		a.Labels[labels[i]] = labels[i+1]
	}
	return a
}

func deployment(ns, name string) v1alpha1.Target {
	return v1alpha1.Target{Kind: "Deployment", Namespace: ns, Name: name}
}

func pod(ns, name string) v1alpha1.Target {
	return v1alpha1.Target{Kind: "Pod", Namespace: ns, Name: name}
}

func node(name string) v1alpha1.Target { return v1alpha1.Target{Kind: "Node", Name: name} }

func TestInterpretTarget(t *testing.T) {
	tests := []struct {
		name   string
		alert  Alert
		want   v1alpha1.Target
		reason string // a part of the note in Description, "" for none
	}{
		{"namespace and deployment name a Deployment", firingAlert("alertname", "X", "namespace", "shop", "deployment", "web"), deployment("shop", "web"), ""},
		{"namespace and statefulset name a StatefulSet", firingAlert("alertname", "X", "namespace", "shop", "statefulset", "db"), v1alpha1.Target{Kind: "StatefulSet", Namespace: "shop", Name: "db"}, ""},
		{"namespace and daemonset name a DaemonSet", firingAlert("alertname", "X", "namespace", "shop", "daemonset", "agent"), v1alpha1.Target{Kind: "DaemonSet", Namespace: "shop", Name: "agent"}, ""},
		{"namespace and pod name a Pod", firingAlert("alertname", "X", "namespace", "shop", "pod", "web-5c7f-abcde"), pod("shop", "web-5c7f-abcde"), ""},
		{"a workload label wins over the pod label", firingAlert("alertname", "X", "namespace", "shop", "pod", "kube-state-metrics-0", "deployment", "web"), deployment("shop", "web"), ""},
		{"deployment wins over statefulset and daemonset", firingAlert("alertname", "X", "namespace", "shop", "daemonset", "a", "statefulset", "b", "deployment", "c"), deployment("shop", "c"), ""},
		{"node names a Node without namespace", firingAlert("alertname", "X", "node", "worker-1", "namespace", "monitoring"), node("worker-1"), ""},
		{"a pod label wins over node for other alerts", firingAlert("alertname", "X", "node", "worker-1", "namespace", "shop", "pod", "web-1"), pod("shop", "web-1"), ""},
		{"a node alert reads node, not the exporter's pod", firingAlert("alertname", "KubeNodeNotReady", "node", "worker-1", "namespace", "monitoring", "pod", "kube-state-metrics-0"), node("worker-1"), ""},
		{"a node alert without node reads instance", firingAlert("alertname", "NodeFilesystemSpaceFillingUp", "instance", "worker-1.cluster.local", "namespace", "monitoring", "pod", "node-exporter-x"), node("worker-1.cluster.local"), ""},
		{"instance loses its port", firingAlert("alertname", "NodeRAIDDegraded", "instance", "worker-1:9100"), node("worker-1"), ""},
		{"node wins over instance", firingAlert("alertname", "KubeNodeNotReady", "node", "worker-1", "instance", "10.0.0.1:8443"), node("worker-1"), ""},
		{"an address in instance names no node", firingAlert("alertname", "NodeRAIDDegraded", "instance", "10.0.0.7:9100"), v1alpha1.Target{}, "is an address, not a node name"},
		{"an IPv6 address in instance names no node", firingAlert("alertname", "NodeRAIDDegraded", "instance", "[fd00::7]:9100"), v1alpha1.Target{}, "is an address"},
		{"a node alert without node or instance names nothing", firingAlert("alertname", "KubeNodeNotReady", "namespace", "shop", "pod", "web-1"), v1alpha1.Target{}, "without a node or instance label"},
		{"an issue_type node issue makes it a node alert", firingAlert("alertname", "MyNodeDown", "issue_type", "NodeNotReady", "instance", "worker-3", "namespace", "monitoring", "pod", "exporter"), node("worker-3"), ""},
		{"instance is not read for other alerts", firingAlert("alertname", "X", "instance", "worker-1:9100"), v1alpha1.Target{}, ""},
		{"target_kind and target_name override everything", firingAlert("alertname", "X", "node", "worker-1", "namespace", "shop", "deployment", "web", "target_kind", "statefulset", "target_name", "db"), v1alpha1.Target{Kind: "StatefulSet", Namespace: "shop", Name: "db"}, ""},
		{"target_namespace wins over namespace", firingAlert("alertname", "X", "namespace", "monitoring", "target_namespace", "shop", "target_kind", "Deployment", "target_name", "web"), deployment("shop", "web"), ""},
		{"target_kind Node ignores namespaces", firingAlert("alertname", "X", "namespace", "shop", "target_kind", "NODE", "target_name", "worker-2"), node("worker-2"), ""},
		{"an unknown target_kind", firingAlert("alertname", "X", "namespace", "shop", "deployment", "web", "target_kind", "CronJob", "target_name", "nightly"), v1alpha1.Target{}, `target_kind "CronJob" is not one of`},
		{"target_kind without target_name", firingAlert("alertname", "X", "namespace", "shop", "deployment", "web", "target_kind", "Deployment"), v1alpha1.Target{}, "must be set together"},
		{"target_name without target_kind", firingAlert("alertname", "X", "target_name", "web"), v1alpha1.Target{}, "must be set together"},
		{"a namespaced target without namespace", firingAlert("alertname", "X", "deployment", "web"), v1alpha1.Target{}, "has no namespace label"},
		{"an invalid namespace", firingAlert("alertname", "X", "namespace", "Shop_NS", "deployment", "web"), v1alpha1.Target{}, `label namespace "Shop_NS" is not a valid namespace name`},
		{"an invalid target_namespace", firingAlert("alertname", "X", "target_namespace", "a.b", "target_kind", "Pod", "target_name", "web"), v1alpha1.Target{}, `label target_namespace "a.b" is not a valid namespace name`},
		{"an invalid deployment name", firingAlert("alertname", "X", "namespace", "shop", "deployment", "-web-"), v1alpha1.Target{}, `label deployment "-web-" is not a valid Kubernetes name`},
		{"an invalid pod name", firingAlert("alertname", "X", "namespace", "shop", "pod", "Web Pod"), v1alpha1.Target{}, `label pod "Web Pod" is not a valid Kubernetes name`},
		{"an invalid node name", firingAlert("alertname", "X", "node", "worker_1"), v1alpha1.Target{}, `label node "worker_1" is not a valid Kubernetes name`},
		{"an invalid instance", firingAlert("alertname", "NodeRAIDDegraded", "instance", "http://worker-1:9100/metrics"), v1alpha1.Target{}, "label instance"},
		{"a too long name is shortened in the note", firingAlert("alertname", "X", "node", strings.Repeat("n", 300)), v1alpha1.Target{}, strings.Repeat("n", 80) + "…\" is not a valid Kubernetes name"},
		{"no label names anything", firingAlert("alertname", "Watchdog", "severity", "none"), v1alpha1.Target{}, ""},
		{"no labels at all", Alert{Status: StatusFiring}, v1alpha1.Target{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Interpret(tt.alert)
			if s.Target != tt.want {
				t.Errorf("Interpret(%v).Target = %+v, want %+v", tt.alert.Labels, s.Target, tt.want)
			}
			hasNote := strings.Contains(s.Description, "cannot act")
			if tt.reason == "" && hasNote {
				t.Errorf("Interpret(%v).Description = %q, want no note", tt.alert.Labels, s.Description)
			}
			if tt.reason != "" && (!hasNote || !strings.Contains(s.Description, tt.reason)) {
				t.Errorf("Interpret(%v).Description = %q, want a note containing %q", tt.alert.Labels, s.Description, tt.reason)
			}
		})
	}
}

func TestInterpretIssue(t *testing.T) {
	const ns, p = "namespace", "pod"
	tests := []struct {
		name   string
		alert  Alert
		want   issue.Type
		reason string // a part of the note in Description, "" for none
	}{
		{"KubePodCrashLooping is a pod crash", firingAlert("alertname", "KubePodCrashLooping", ns, "shop", p, "web-1"), issue.PodCrash, ""},
		{"KubeDeploymentRolloutStuck is a stuck rollout", firingAlert("alertname", "KubeDeploymentRolloutStuck", ns, "shop", "deployment", "web"), issue.StuckRollout, ""},
		{"KubeStatefulSetUpdateNotRolledOut is a stuck rollout", firingAlert("alertname", "KubeStatefulSetUpdateNotRolledOut", ns, "shop", "statefulset", "db"), issue.StuckRollout, ""},
		{"KubeDaemonSetRolloutStuck is a stuck rollout", firingAlert("alertname", "KubeDaemonSetRolloutStuck", ns, "shop", "daemonset", "agent"), issue.StuckRollout, ""},
		{"KubePodNotReady is incident only", firingAlert("alertname", "KubePodNotReady", ns, "shop", p, "web-1"), "", ""},
		{"KubePodNotReady ignores a reason label", firingAlert("alertname", "KubePodNotReady", ns, "shop", p, "web-1", "reason", "CrashLoopBackOff"), "", ""},
		{"KubeContainerOOMKilled is an OOM kill", firingAlert("alertname", "KubeContainerOOMKilled", ns, "shop", p, "web-1"), issue.OOMKill, ""},
		{"KubePodOOMKilled is an OOM kill", firingAlert("alertname", "KubePodOOMKilled", ns, "shop", p, "web-1"), issue.OOMKill, ""},
		{"ContainerOOMKilled is an OOM kill", firingAlert("alertname", "ContainerOOMKilled", ns, "shop", p, "web-1"), issue.OOMKill, ""},
		{"KubeNodeNotReady is node not ready", firingAlert("alertname", "KubeNodeNotReady", "node", "w1"), issue.NodeNotReady, ""},
		{"KubeNodeUnreachable is node not ready", firingAlert("alertname", "KubeNodeUnreachable", "node", "w1"), issue.NodeNotReady, ""},
		{"NodeMemoryPressure", firingAlert("alertname", "NodeMemoryPressure", "node", "w1"), issue.NodeMemoryPressure, ""},
		{"KubeNodeMemoryPressure", firingAlert("alertname", "KubeNodeMemoryPressure", "node", "w1"), issue.NodeMemoryPressure, ""},
		{"NodeDiskPressure", firingAlert("alertname", "NodeDiskPressure", "node", "w1"), issue.NodeDiskPressure, ""},
		{"KubeNodeDiskPressure", firingAlert("alertname", "KubeNodeDiskPressure", "node", "w1"), issue.NodeDiskPressure, ""},
		{"NodePIDPressure", firingAlert("alertname", "NodePIDPressure", "node", "w1"), issue.NodePIDPressure, ""},
		{"KubeNodePIDPressure", firingAlert("alertname", "KubeNodePIDPressure", "node", "w1"), issue.NodePIDPressure, ""},
		{"KubeNodePressure reads its condition label", firingAlert("alertname", "KubeNodePressure", "node", "w1", "condition", "DiskPressure"), issue.NodeDiskPressure, ""},
		{"KubeNodePressure with an unknown condition is incident only", firingAlert("alertname", "KubeNodePressure", "node", "w1", "condition", "NetworkUnavailable"), "", ""},
		{"a node-exporter alert is incident only", firingAlert("alertname", "NodeFilesystemAlmostOutOfSpace", "instance", "w1"), "", ""},
		{"a reason label that is a Kubernetes reason", firingAlert("alertname", "KubeContainerWaiting", ns, "shop", p, "web-1", "reason", "ImagePullBackOff"), issue.ImagePull, ""},
		{"a reason label OOMKilled", firingAlert("alertname", "LastTerminated", ns, "shop", p, "web-1", "reason", "OOMKilled"), issue.OOMKill, ""},
		{"a reason label that is no Kubernetes reason", firingAlert("alertname", "AlertmanagerFailedToSendAlerts", ns, "monitoring", p, "alertmanager-0", "reason", "clientError"), "", ""},
		{"an unknown alert is incident only", firingAlert("alertname", "KubeHpaMaxedOut", ns, "shop", "deployment", "web"), "", ""},
		{"issue_type wins over the table", firingAlert("alertname", "KubePodNotReady", ns, "shop", p, "web-1", "issue_type", "pod_crash"), issue.PodCrash, ""},
		{"issue_type is normalised", firingAlert("alertname", "X", ns, "shop", "deployment", "web", "issue_type", " CrashLoopBackOff "), issue.PodCrash, ""},
		{"issue_type wins over reason", firingAlert("alertname", "X", ns, "shop", p, "web-1", "issue_type", "oom_kill", "reason", "CrashLoopBackOff"), issue.OOMKill, ""},
		{"issue_type none makes a known alert incident only", firingAlert("alertname", "KubePodCrashLooping", ns, "shop", p, "web-1", "issue_type", "None"), "", ""},
		{"an unknown issue_type is incident only, with a note", firingAlert("alertname", "KubePodCrashLooping", ns, "shop", p, "web-1", "issue_type", "meltdown"), "", `issue_type "meltdown" is not an issue type (accepted: none, `},
		{"an empty issue_type is ignored", firingAlert("alertname", "KubePodCrashLooping", ns, "shop", p, "web-1", "issue_type", " "), issue.PodCrash, ""},
		{"a node issue on a workload is dropped", firingAlert("alertname", "X", "issue_type", "node_not_ready", "target_kind", "Deployment", "target_name", "web", ns, "shop"), "", "does not apply to a Deployment"},
		{"a workload issue on a node is dropped", firingAlert("alertname", "X", "issue_type", "pod_crash", "node", "w1"), "", "does not apply to a Node"},
		{"a known alert keeps its issue without a target", firingAlert("alertname", "KubePodCrashLooping"), issue.PodCrash, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Interpret(tt.alert)
			if s.Issue != tt.want {
				t.Errorf("Interpret(%v).Issue = %q, want %q", tt.alert.Labels, s.Issue, tt.want)
			}
			hasNote := strings.Contains(s.Description, "cannot act")
			if tt.reason == "" && hasNote {
				t.Errorf("Interpret(%v).Description = %q, want no note", tt.alert.Labels, s.Description)
			}
			if tt.reason != "" && (!hasNote || !strings.Contains(s.Description, tt.reason)) {
				t.Errorf("Interpret(%v).Description = %q, want a note containing %q", tt.alert.Labels, s.Description, tt.reason)
			}
		})
	}
}

func TestInterpretKnownAlertsAreConsistent(t *testing.T) {
	for name, k := range knownAlerts {
		if k.issue != "" && k.issueLabel != "" {
			t.Errorf("knownAlerts[%s] has both an issue and an issue label", name)
		}
		if k.issue != "" && isNodeIssue(k.issue) != k.node {
			t.Errorf("knownAlerts[%s] = %+v: a node issue must be a node alert and the other way round", name, k)
		}
		if k.issue != "" {
			if got, ok := issue.Normalize(string(k.issue)); !ok || got != k.issue {
				t.Errorf("knownAlerts[%s].issue = %q is not a normalised issue type", name, k.issue)
			}
		}
	}
}

func TestInterpretSeverity(t *testing.T) {
	tests := []struct {
		label string
		want  v1alpha1.Severity
	}{
		{"critical", v1alpha1.SeverityCritical},
		{"CRITICAL", v1alpha1.SeverityCritical},
		{"high", v1alpha1.SeverityHigh},
		{"warning", v1alpha1.SeverityMedium},
		{"medium", v1alpha1.SeverityMedium},
		{"info", v1alpha1.SeverityLow},
		{"none", v1alpha1.SeverityLow},
		{"low", v1alpha1.SeverityLow},
		{"page", v1alpha1.SeverityMedium},
		{"", v1alpha1.SeverityMedium},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			if got := Interpret(firingAlert("alertname", "X", "severity", tt.label)).Severity; got != tt.want {
				t.Errorf("Interpret(severity=%q).Severity = %q, want %q", tt.label, got, tt.want)
			}
		})
	}
}

func TestInterpretText(t *testing.T) {
	withAnnotations := func(a Alert, kv ...string) Alert {
		a.Annotations = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			a.Annotations[kv[i]] = kv[i+1]
		}
		return a
	}
	web := firingAlert("alertname", "KubePodCrashLooping", "namespace", "shop", "pod", "web-1")
	tests := []struct {
		name             string
		alert            Alert
		title, descStart string
	}{
		{"summary and description", withAnnotations(web, "summary", "Pod is crash looping.", "description", "Pod shop/web-1 (api) is waiting."),
			"Pod is crash looping.", "Pod shop/web-1 (api) is waiting."},
		{"message when there is no description", withAnnotations(web, "message", "Pod shop/web-1 is crash looping."),
			"KubePodCrashLooping on Pod/shop/web-1", "Pod shop/web-1 is crash looping."},
		{"description wins over message", withAnnotations(web, "message", "old", "description", "new"),
			"KubePodCrashLooping on Pod/shop/web-1", "new"},
		{"built from the alert name and target", web,
			"KubePodCrashLooping on Pod/shop/web-1", "Alertmanager alert KubePodCrashLooping about Pod/shop/web-1."},
		{"built from the alert name alone", firingAlert("alertname", "Watchdog"), "Watchdog", "Alertmanager alert Watchdog."},
		{"a multi-line summary becomes one line", withAnnotations(web, "summary", "  Pod is\n crash\tlooping.  "), "Pod is crash looping.", "Alertmanager alert"},
		{"a blank summary is ignored", withAnnotations(web, "summary", " \n "), "KubePodCrashLooping on Pod/shop/web-1", "Alertmanager alert"},
		{"a long summary is cut", withAnnotations(web, "summary", strings.Repeat("é", 300)), strings.Repeat("é", 255) + "…", "Alertmanager alert"},
		{"no alert name", Alert{}, "Alertmanager alert", "Alertmanager alert ."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Interpret(tt.alert)
			if s.Title != tt.title || !strings.HasPrefix(s.Description, tt.descStart) {
				t.Errorf("Interpret(%v) = title %q, description %q; want %q, starting %q", tt.alert.Annotations, s.Title, s.Description, tt.title, tt.descStart)
			}
		})
	}
}

func TestInterpretKeepsTheNoteInALongDescription(t *testing.T) {
	a := firingAlert("alertname", "X", "namespace", "shop", "deployment", "Web")
	a.Annotations = map[string]string{"description": strings.Repeat("x", 10000)}
	s := Interpret(a)
	if n := len([]rune(s.Description)); n > maxDescriptionRunes {
		t.Errorf("Interpret(10000-character description) has %d characters, want at most %d", n, maxDescriptionRunes)
	}
	if !strings.HasSuffix(s.Description, `is not a valid Kubernetes name: `+strings.Join(dns1123Errors("Web"), "; ")+".") {
		t.Errorf("Interpret(10000-character description) ends %q, want the note about the name", s.Description[len(s.Description)-200:])
	}
}

func TestInterpretCopiesTheAlert(t *testing.T) {
	a := firingAlert("alertname", "KubeDeploymentRolloutStuck", "namespace", "shop", "deployment", "web", "severity", "critical")
	a.Status, a.EndsAt = StatusResolved, a.StartsAt.Add(time.Hour)
	want := Signal{
		Fingerprint: a.Fingerprint, Firing: false, AlertName: "KubeDeploymentRolloutStuck",
		Target: deployment("shop", "web"), Issue: issue.StuckRollout, Severity: v1alpha1.SeverityCritical,
		Title:       "KubeDeploymentRolloutStuck on Deployment/shop/web",
		Description: "Alertmanager alert KubeDeploymentRolloutStuck about Deployment/shop/web.",
		Labels:      map[string]string{"alertname": "KubeDeploymentRolloutStuck", "namespace": "shop", "deployment": "web", "severity": "critical"},
		StartsAt:    a.StartsAt, EndsAt: a.EndsAt,
	}
	got := Interpret(a)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Interpret(resolved alert) (-want +got):\n%s", d)
	}
	a.Labels["deployment"] = "changed"
	if got.Labels["deployment"] != "web" {
		t.Errorf("Interpret(alert).Labels shares the alert's map")
	}
}

func dns1123Errors(name string) []string { return validation.IsDNS1123Subdomain(name) }

func TestInterpretTestdata(t *testing.T) {
	type brief struct {
		Fingerprint string
		Firing      bool
		Target      v1alpha1.Target
		Issue       issue.Type
		Severity    v1alpha1.Severity
		Title       string
	}
	tests := []struct {
		file string
		want []brief
	}{
		{"testdata/payments-group.json", []brief{
			{"3f0a9c1d2b4e5f67", true, pod("payments", "payments-api-7d9f8b6c5-x2k4q"), issue.PodCrash, v1alpha1.SeverityMedium, "Pod is crash looping."},
			{"8c51e0f2a9d3b746", true, deployment("payments", "payments-api"), issue.StuckRollout, v1alpha1.SeverityMedium, "Deployment rollout is not progressing."},
			{"c27d94be01f35a68", false, pod("payments", "payments-worker-0"), "", v1alpha1.SeverityMedium, "Pod has been in a non-ready state for more than 15 minutes."},
			{"e95f1a3c7b28d04d", true, v1alpha1.Target{Kind: "StatefulSet", Namespace: "payments", Name: "payments-worker"}, issue.HighMemory, v1alpha1.SeverityCritical, "payments-worker uses more than 90% of its memory limit"},
		}},
		{"testdata/nodes-group.json", []brief{
			{"0b7e4d2c9a1f3865", true, node("worker-2.cluster.local"), issue.NodeNotReady, v1alpha1.SeverityMedium, "Node is not ready."},
			{"5d38c1a0f7e2b94c", true, node("worker-1.cluster.local"), "", v1alpha1.SeverityMedium, "Filesystem is predicted to run out of space within the next 24 hours."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Decode(strings.NewReader(mustRead(t, tt.file)))
			if err != nil {
				t.Fatalf("Decode(%s) = %v", tt.file, err)
			}
			var got []brief
			for _, a := range m.Alerts {
				s := Interpret(a)
				got = append(got, brief{s.Fingerprint, s.Firing, s.Target, s.Issue, s.Severity, s.Title})
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Interpret(alerts of %s) (-want +got):\n%s", tt.file, d)
			}
		})
	}
}
