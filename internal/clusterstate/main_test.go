package clusterstate_test

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

// env is this package's API server, with the twins of OpenShift's and medik8s's CRDs; no
// OpenShift or medik8s controller runs: tests write the status those controllers would.
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

// object builds a cluster-scoped object; a nil spec or status is left out.
func object(apiVersion, kind, name string, spec, status map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name},
	}}
	if spec != nil {
		u.Object["spec"] = spec
	}
	if status != nil {
		u.Object["status"] = status
	}
	return u
}

// cond is a status condition.
func cond(typ, status, message string) any {
	return map[string]any{"type": typ, "status": status, "message": message, "reason": "Test",
		"lastTransitionTime": "2026-11-26T09:00:00Z"}
}

// clusterVersion is the ClusterVersion "version" heading to desired, with a Progressing
// condition of that status and message ("" status: none).
func clusterVersion(desired, progressing, message string) *unstructured.Unstructured {
	status := map[string]any{"desired": map[string]any{"version": desired}, "conditions": []any{}}
	if progressing != "" {
		status["conditions"] = []any{cond("Progressing", progressing, message)}
	}
	return object("config.openshift.io/v1", "ClusterVersion", "version",
		map[string]any{"clusterID": "00000000-0000-0000-0000-000000000000"}, status)
}

// clusterOperator is a ClusterOperator with these conditions.
func clusterOperator(name string, conds ...any) *unstructured.Unstructured {
	return object("config.openshift.io/v1", "ClusterOperator", name, map[string]any{}, map[string]any{"conditions": conds})
}

// matchLabels is a label selector of key, value pairs.
func matchLabels(kv ...string) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return map[string]any{"matchLabels": m}
}

// roleSelector selects the nodes with the node-role.kubernetes.io/<role> label.
func roleSelector(role string) map[string]any {
	return matchLabels("node-role.kubernetes.io/"+role, "")
}

// pool is a MachineConfigPool with this nodeSelector (nil: none) and status (nil: none).
func pool(name string, selector, status map[string]any) *unstructured.Unstructured {
	spec := map[string]any{"machineConfigSelector": matchLabels("machineconfiguration.openshift.io/role", name)}
	if selector != nil {
		spec["nodeSelector"] = selector
	}
	return object("machineconfiguration.openshift.io/v1", "MachineConfigPool", name, spec, status)
}

// paused marks a pool paused.
func paused(u *unstructured.Unstructured) *unstructured.Unstructured {
	_ = unstructured.SetNestedField(u.Object, true, "spec", "paused")
	return u
}

// poolStatus is the status the machine-config controller writes for generation 1: these
// Updated, Updating and Degraded statuses and machine counts.
func poolStatus(updated, updating, degraded string, machines, updatedMachines int64) map[string]any {
	return map[string]any{
		"observedGeneration": int64(1), "machineCount": machines, "updatedMachineCount": updatedMachines,
		"readyMachineCount": updatedMachines, "unavailableMachineCount": int64(0), "degradedMachineCount": int64(0),
		"configuration": map[string]any{"name": "rendered-test-1"},
		"conditions": []any{
			cond("Updated", updated, ""), cond("Updating", updating, ""), cond("Degraded", degraded, ""),
		},
	}
}

// settledStatus is the status of a pool of n machines that has finished rolling out.
func settledStatus(n int64) map[string]any { return poolStatus("True", "False", "False", n, n) }

// nhc is a NodeHealthCheck with this selector, pause requests and unhealthy nodes.
func nhc(name string, selector map[string]any, pauseRequests []any, unhealthy ...string) *unstructured.Unstructured {
	spec := map[string]any{"selector": selector, "minHealthy": "51%",
		"remediationTemplate": map[string]any{"apiVersion": "self-node-remediation.medik8s.io/v1alpha1",
			"kind": "SelfNodeRemediationTemplate", "name": "self-node-remediation-automatic-strategy-template",
			"namespace": "openshift-workload-availability"}}
	if pauseRequests != nil {
		spec["pauseRequests"] = pauseRequests
	}
	var nodes []any
	for _, n := range unhealthy {
		nodes = append(nodes, map[string]any{"name": n, "remediations": []any{}})
	}
	status := map[string]any{"phase": "Enabled", "observedNodes": int64(3), "healthyNodes": int64(3 - len(unhealthy))}
	if nodes != nil {
		status["unhealthyNodes"] = nodes
		status["phase"] = "Remediating"
	}
	return object("remediation.medik8s.io/v1alpha1", "NodeHealthCheck", name, spec, status)
}

// node is a Node with these label pairs; it need not exist in the API server.
func node(name string, kv ...string) *corev1.Node {
	labels := map[string]string{"kubernetes.io/hostname": name}
	for i := 0; i+1 < len(kv); i += 2 {
		labels[kv[i]] = kv[i+1]
	}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// apply creates objs and then writes their status, as the platform's controllers would, and
// deletes them when the test ends: these objects are cluster-scoped and every test lists them.
func apply(t *testing.T, c client.Client, objs ...*unstructured.Unstructured) {
	t.Helper()
	for _, obj := range objs {
		obj = obj.DeepCopy()
		status, hasStatus := obj.Object["status"]
		if err := c.Create(t.Context(), obj); err != nil {
			t.Fatalf("create %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
		// t.Context() is already cancelled when cleanups run.
		t.Cleanup(func() {
			if err := c.Delete(context.Background(), obj); err != nil {
				t.Errorf("delete %s %s: %v", obj.GetKind(), obj.GetName(), err)
			}
		})
		if !hasStatus {
			continue
		}
		obj.Object["status"] = status
		if err := c.Status().Update(t.Context(), obj); err != nil {
			t.Fatalf("update status of %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
	}
}
