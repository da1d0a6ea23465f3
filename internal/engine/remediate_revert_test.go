package engine

import (
	"net/http"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/config"
)

// The same issue on the same target, fixed three times within the hour, is escalated the fourth
// time instead of being fixed again: the fix does not hold.
func TestAFixThatKeepsComingBackIsEscalated(t *testing.T) {
	e, c, ns := engineWithWeb(t, fastVerify, withSafetyPolicy(t, map[string]string{"cooldown": "0s", "dedupWindow": "0s"}))
	playDeploymentController(t, c, ns)
	for i := range 3 {
		var tr triggerAnswer
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "pod_crash", false), http.StatusAccepted, &tr)
		if wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed", "cancelled"); wf.Status != "completed" {
			t.Fatalf("fix %d: workflow = %s (%s: %s), want completed", i+1, wf.Status, wf.Reason, wf.Message)
		}
	}
	generation := getDeployment(t, c, ns, "web").Generation
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "pod_crash", false), http.StatusAccepted, &tr)
	wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed", "cancelled")
	if wf.Status != "failed" || wf.Reason != v1alpha1.ReasonReverted {
		t.Fatalf("fourth workflow = %s (%s: %s), want failed with %s", wf.Status, wf.Reason, wf.Message, v1alpha1.ReasonReverted)
	}
	if got := getDeployment(t, c, ns, "web").Generation; got != generation {
		t.Fatalf("Deployment generation %d → %d: the fourth fix was applied", generation, got)
	}
	e.waitIncident(tr.IncidentID, func(i incidentView) bool { return i.Severity == "high" })
}

// A change someone reverts while the engine verifies it ends the workflow as reverted and
// escalates; the engine does not fight the revert.
func TestARevertDuringVerificationIsEscalated(t *testing.T) {
	e := startEngine(t, func(o *config.Options) {
		o.VerifyWindow, o.VerifyTimeout = 10*time.Second, 30*time.Second
		o.OperatorFieldMappings = "Cache.example.selfhealing.dev:set_memory_limit=/spec/memory"
	})
	c := env.Client(t)
	ns := env.Namespace(t)
	cr := operatedDeployment(t, c, ns, "redis", map[string]any{"memory": "256Mi"})
	playDeploymentController(t, c, ns)
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "redis", "OOMKilled", false), http.StatusAccepted, &tr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := c.Get(t.Context(), client.ObjectKeyFromObject(cr), cr); err != nil {
			t.Fatal(err)
		}
		if m, _, _ := unstructured.NestedString(cr.Object, "spec", "memory"); m == "384Mi" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the engine did not raise spec.memory within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Someone (a GitOps tool, a person) puts the old value back.
	if err := c.Patch(t.Context(), cr, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"memory":"256Mi"}}`))); err != nil {
		t.Fatal(err)
	}
	wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed")
	if wf.Status != "failed" || wf.Reason != v1alpha1.ReasonReverted {
		t.Fatalf("workflow = %s (%s: %s), want failed with %s", wf.Status, wf.Reason, wf.Message, v1alpha1.ReasonReverted)
	}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(cr), cr); err != nil {
		t.Fatal(err)
	}
	if m, _, _ := unstructured.NestedString(cr.Object, "spec", "memory"); m != "256Mi" {
		t.Fatalf("spec.memory = %s, want the reverted 256Mi left alone", m)
	}
	e.waitIncident(tr.IncidentID, func(i incidentView) bool { return i.Severity == "high" })
}
