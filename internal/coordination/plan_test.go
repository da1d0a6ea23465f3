package coordination

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// res is a resource of a request with an issue type.
func res(kind, ns, name, issueType string) Resource {
	return Resource{Kind: kind, Namespace: ns, Name: name, Issue: v1alpha1.Issue{Type: issueType}}
}

// layout renders a plan as "layer Kind/ns/name issue" lines.
func layout(items []v1alpha1.PlanItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Layer+" "+it.Target.String()+" "+it.Issue.Type)
	}
	return out
}

func TestPlanOrdersLayersByKindAndPlacement(t *testing.T) {
	h := newHarness(t, Options{})
	apps := env.Namespace(t)
	node := "ready-" + h.ns
	newNode(t, h.c, node, corev1.ConditionTrue)
	newDeployment(t, h.c, apps, "web")
	newDeployment(t, h.c, apps, "etcd-operator", withLabels("olm.owner", "etcdoperator.v0.9.4", "olm.owner.kind", "ClusterServiceVersion",
		"operators.coreos.com/etcd."+apps, ""))
	platformNS := namespace(t, h.c, "openshift-"+h.ns[len(h.ns)-12:])
	newDeployment(t, h.c, platformNS, "router")

	items, root, err := h.planner.Plan(t.Context(), []Resource{
		res("deployment", apps, "web", "CrashLoopBackOff"),
		res("ClusterOperator", "", "dns", "cluster_operator_degraded"),
		res("Deployment", platformNS, "router", "pod_crash"),
		res("Node", "ignored", node, "node_not_ready"),
		res("MachineConfigPool", "", "worker", "machine_config_pool_degraded"),
		res("Deployment", apps, "etcd-operator", "oom_kill"),
		res("Deployment", apps, "web", "pod_crash"), // the same as the first: dropped
	})
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	want := []string{
		"infrastructure Node/" + node + " node_not_ready",
		"infrastructure MachineConfigPool/worker machine_config_pool_degraded",
		"platform ClusterOperator/dns cluster_operator_degraded",
		"platform Deployment/" + platformNS + "/router pod_crash",
		"platform Deployment/" + apps + "/etcd-operator oom_kill",
		"application Deployment/" + apps + "/web pod_crash",
	}
	if diff := cmp.Diff(want, layout(items)); diff != "" {
		t.Errorf("Plan() layout (-want +got):\n%s", diff)
	}
	if root != LayerInfrastructure {
		t.Errorf("Plan() root cause layer = %s, want infrastructure", root)
	}
	whys := map[string]string{}
	for _, it := range items {
		whys[it.Target.String()] = it.Why
	}
	for target, want := range map[string]string{
		"Node/" + node:                          "a Node is infrastructure",
		"ClusterOperator/dns":                   "a ClusterOperator is a component of the OpenShift platform",
		"Deployment/" + platformNS + "/router":  "placement: it runs in namespace " + platformNS,
		"Deployment/" + apps + "/etcd-operator": "installed by OLM",
		"Deployment/" + apps + "/web":           "outside the platform's namespaces",
		"MachineConfigPool/worker":              "configures nodes",
	} {
		if !strings.Contains(whys[target], want) {
			t.Errorf("Why of %s = %q, want it to say %q", target, whys[target], want)
		}
	}
}

func TestPlanAddsTheNodeAWorkloadRunsOnAsTheRootCause(t *testing.T) {
	h := newHarness(t, Options{})
	apps := env.Namespace(t)
	sick, healthy := "sick-"+h.ns, "healthy-"+h.ns
	newNode(t, h.c, sick, corev1.ConditionFalse)
	newNode(t, h.c, healthy, corev1.ConditionTrue)
	newDeployment(t, h.c, apps, "web")
	newPod(t, h.c, apps, "web-1", "web", sick)
	newPod(t, h.c, apps, "web-2", "web", healthy)
	newPod(t, h.c, apps, "other-1", "other", sick) // not web's: does not count

	items, root, err := h.planner.Plan(t.Context(), []Resource{res("Deployment", apps, "web", "pod_crash")})
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	want := []string{"infrastructure Node/" + sick + " node_not_ready", "application Deployment/" + apps + "/web pod_crash"}
	if diff := cmp.Diff(want, layout(items)); diff != "" {
		t.Fatalf("Plan() layout (-want +got):\n%s", diff)
	}
	if root != LayerInfrastructure {
		t.Errorf("Plan() root cause layer = %s, want infrastructure", root)
	}
	node := items[0]
	if !strings.HasPrefix(node.Why, "placement: pods of Deployment/"+apps+"/web (web-1) run on node "+sick) ||
		node.Issue.Severity != v1alpha1.SeverityCritical || !strings.Contains(node.Issue.Description, "Ready=False") {
		t.Errorf("the node's item = %+v, want placement through web-1, critical, with the condition", node)
	}

	t.Run("a node the request lists already is not added twice", func(t *testing.T) {
		items, _, err := h.planner.Plan(t.Context(), []Resource{res("Deployment", apps, "web", "pod_crash"), res("Node", "", sick, "node_disk_pressure")})
		if err != nil {
			t.Fatalf("Plan() error = %v", err)
		}
		want := []string{"infrastructure Node/" + sick + " node_disk_pressure", "application Deployment/" + apps + "/web pod_crash"}
		if diff := cmp.Diff(want, layout(items)); diff != "" {
			t.Errorf("Plan() layout (-want +got):\n%s", diff)
		}
	})
	t.Run("a pod named directly brings its node too", func(t *testing.T) {
		items, _, err := h.planner.Plan(t.Context(), []Resource{res("Pod", apps, "web-1", "CrashLoopBackOff")})
		if err != nil {
			t.Fatalf("Plan() error = %v", err)
		}
		want := []string{"infrastructure Node/" + sick + " node_not_ready", "application Pod/" + apps + "/web-1 pod_crash"}
		if diff := cmp.Diff(want, layout(items)); diff != "" {
			t.Errorf("Plan() layout (-want +got):\n%s", diff)
		}
	})
}

func TestPlanRefusesInvalidResources(t *testing.T) {
	h := newHarness(t, Options{})
	apps := env.Namespace(t)
	newDeployment(t, h.c, apps, "web")
	tests := []struct {
		name      string
		resources []Resource
		field     string
	}{
		{"no resources", nil, "resources"},
		{"an unknown kind", []Resource{res("Deployment", apps, "web", "pod_crash"), res("CronJob", apps, "x", "pod_crash")}, "resources[1].kind"},
		{"no kind", []Resource{res("", apps, "x", "pod_crash")}, "resources[0].kind"},
		{"no name", []Resource{res("Node", "", "", "node_not_ready")}, "resources[0].name"},
		{"a namespaced kind without a namespace", []Resource{res("Deployment", "", "web", "pod_crash")}, "resources[0].namespace"},
		{"an unknown issue", []Resource{res("Deployment", apps, "web", "sunspots")}, "resources[0].issue"},
		{"too many resources", make([]Resource, MaxResources+1), "resources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := h.planner.Plan(t.Context(), tt.resources)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Plan() error = %v, want a FieldError on %s", err, tt.field)
			}
		})
	}
	t.Run("a node that does not exist is not found", func(t *testing.T) {
		_, _, err := h.planner.Plan(t.Context(), []Resource{res("Node", "", "gone-"+h.ns, "node_not_ready")})
		if !errors.Is(err, managedby.ErrTargetNotFound) {
			t.Fatalf("Plan() error = %v, want ErrTargetNotFound", err)
		}
	})
	t.Run("a workload that does not exist is not found", func(t *testing.T) {
		_, _, err := h.planner.Plan(t.Context(), []Resource{res("Deployment", apps, "nope", "pod_crash")})
		if !errors.Is(err, managedby.ErrTargetNotFound) {
			t.Fatalf("Plan() error = %v, want ErrTargetNotFound", err)
		}
	})
}
