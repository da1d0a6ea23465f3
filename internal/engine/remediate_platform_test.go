package engine

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// clusterVersion creates the ClusterVersion "version" with Progressing as given and removes it
// at the end of the test.
func clusterVersion(t *testing.T, c client.Client, progressing string) *unstructured.Unstructured {
	t.Helper()
	cv := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion",
		"metadata": map[string]any{"name": "version"}, "spec": map[string]any{"clusterID": "00000000-0000-0000-0000-000000000000"}}}
	if err := c.Create(t.Context(), cv); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), cv) })
	setProgressing(t, c, cv, progressing)
	return cv
}

func setProgressing(t *testing.T, c client.Client, cv *unstructured.Unstructured, status string) {
	t.Helper()
	_ = unstructured.SetNestedField(cv.Object, map[string]any{"version": "4.20.3"}, "status", "desired")
	_ = unstructured.SetNestedSlice(cv.Object, []any{map[string]any{"type": "Progressing", "status": status,
		"message": "Working towards 4.20.3", "lastTransitionTime": "2026-11-26T09:00:00Z"}}, "status", "conditions")
	if err := c.Status().Update(t.Context(), cv); err != nil {
		t.Fatal(err)
	}
}

func TestActionsWaitWhileTheClusterUpgrades(t *testing.T) {
	e, c, ns := engineWithWeb(t, fastVerify)
	playDeploymentController(t, c, ns)
	cv := clusterVersion(t, c, "True")

	var tr struct {
		WorkflowID string `json:"workflow_id"`
	}
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "high_cpu", false), http.StatusAccepted, &tr)
	var wf workflowView
	eventually(t, "the workflow postponed while the cluster upgrades", func() error {
		e.mustDo(http.MethodGet, "/api/v1/workflows/"+tr.WorkflowID, "", http.StatusOK, &wf)
		if wf.Status != "pending" || wf.Reason != "PlatformBusy" {
			return fmt.Errorf("status %s (%s: %s)", wf.Status, wf.Reason, wf.Message)
		}
		return nil
	})
	if d := getDeployment(t, c, ns, "web"); *d.Spec.Replicas != 2 {
		t.Fatalf("web scaled to %d while the cluster upgrades, want it left at 2", *d.Spec.Replicas)
	}
	setProgressing(t, c, cv, "False")
	e.waitWorkflow(tr.WorkflowID, "completed")
	if d := getDeployment(t, c, ns, "web"); *d.Spec.Replicas != 3 {
		t.Errorf("web has %d replicas after the upgrade, want 3", *d.Spec.Replicas)
	}
}

func TestANodeANodeHealthCheckSelectsIsLeftToIt(t *testing.T) {
	e := startEngine(t, fastVerify, withSafetyPolicy(t, map[string]string{"approvalRequired": ""}))
	c := env.Client(t)
	name := "nhc-" + env.Namespace(t)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"node-role.kubernetes.io/worker": ""}}}
	if err := c.Create(t.Context(), node); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), node) })
	nhc := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "remediation.medik8s.io/v1alpha1", "kind": "NodeHealthCheck",
		"metadata": map[string]any{"name": "workers-" + name},
		"spec": map[string]any{"selector": map[string]any{"matchExpressions": []any{
			map[string]any{"key": "node-role.kubernetes.io/worker", "operator": "Exists"}}}}}}
	if err := c.Create(t.Context(), nhc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), nhc) })

	var tr struct {
		WorkflowID string `json:"workflow_id"`
	}
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", `{"resource":{"kind":"Node","name":"`+name+`"},"issue":{"type":"node_not_ready"}}`,
		http.StatusAccepted, &tr)
	wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed")
	if wf.Status != "completed" || wf.Reason != "LeftToNodeHealthCheck" {
		t.Errorf("workflow = %s (%s: %s), want completed, left to the NodeHealthCheck", wf.Status, wf.Reason, wf.Message)
	}
	var got corev1.Node
	if err := c.Get(t.Context(), client.ObjectKey{Name: name}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Unschedulable {
		t.Errorf("the engine cordoned a node its NodeHealthCheck owns")
	}
}

func TestANotReadyNodeIsDrainedThroughTheAPI(t *testing.T) {
	e := startEngine(t, fastVerify, withSafetyPolicy(t, map[string]string{"approvalRequired": ""}))
	c := env.Client(t)
	ns := env.Namespace(t)
	name := "drain-" + ns
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(t.Context(), node); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), node) })
	node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "KubeletNotReady"}}
	if err := c.Status().Update(t.Context(), node); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "on-" + name},
		Spec: corev1.PodSpec{NodeName: name, Containers: []corev1.Container{{Name: "app", Image: "app:1"}}}}
	if err := c.Create(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	var tr struct {
		WorkflowID string `json:"workflow_id"`
	}
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", `{"resource":{"kind":"Node","name":"`+name+`"},"issue":{"type":"NodeNotReady"}}`,
		http.StatusAccepted, &tr)
	eventually(t, "the node cordoned and its pod evicted", func() error {
		var n corev1.Node
		if err := c.Get(t.Context(), client.ObjectKey{Name: name}, &n); err != nil {
			return err
		}
		var p corev1.Pod
		err := c.Get(t.Context(), client.ObjectKeyFromObject(pod), &p)
		if !n.Spec.Unschedulable || err == nil && p.DeletionTimestamp == nil {
			return fmt.Errorf("unschedulable %t, pod %v", n.Spec.Unschedulable, err)
		}
		return nil
	})
	// The kubelet is back: the node is Ready again; the engine verifies it and uncordons it.
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(node), node); err != nil {
		t.Fatal(err)
	}
	node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		LastHeartbeatTime: metav1.NewTime(time.Now())}}
	if err := c.Status().Update(t.Context(), node); err != nil {
		t.Fatal(err)
	}
	wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed")
	if wf.Status != "completed" || wf.Strategy != "node" || len(wf.Steps) != 1 || wf.Steps[0].Action != "drain" || !wf.Steps[0].Undone {
		t.Errorf("workflow = %+v, want a completed drain by the node strategy, its cordon taken back", wf)
	}
	var n corev1.Node
	if err := c.Get(t.Context(), client.ObjectKey{Name: name}, &n); err != nil {
		t.Fatal(err)
	}
	if n.Spec.Unschedulable {
		t.Errorf("the node is still cordoned after it recovered")
	}
}
