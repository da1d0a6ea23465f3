package engine

import (
	"fmt"
	"net/http"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// A remediation asked for a Pod acts on its Deployment and is verified on the Deployment, so it
// completes although the rollout replaces (deletes) the pod it was asked for.
func TestAPodTargetIsVerifiedOnItsWorkloadAfterThePodIsGone(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	ns := env.Namespace(t)
	d := newDeployment(t, c, ns, "web")
	yes := true
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-1", Labels: d.Spec.Template.Labels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Selector: d.Spec.Selector, Template: d.Spec.Template}}
	if err := c.Create(t.Context(), rs); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-1-abcde", Labels: d.Spec.Template.Labels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: rs.UID, Controller: &yes}}},
		Spec: d.Spec.Template.Spec}
	if err := c.Create(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	playDeploymentController(t, c, ns)
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Pod", pod.Name, "oom_kill", false), http.StatusAccepted, &tr)
	if err := c.Delete(t.Context(), pod, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed", "cancelled")
	if wf.Status != "completed" || wf.Reason != v1alpha1.ReasonRecovered {
		t.Fatalf("workflow = %s (%s: %s), want completed and verified on the Deployment", wf.Status, wf.Reason, wf.Message)
	}
	if got := memoryLimit(t, c, ns, "web"); got != "384Mi" {
		t.Fatalf("the Deployment's memory limit = %s, want 384Mi", got)
	}
}

// When retention has removed an earlier workflow of a request, a new request still gets a new
// workflow instead of a finished one under a reused name.
func TestARepeatedRequestGetsANewWorkflowAfterRetention(t *testing.T) {
	e, c, ns := engineWithWeb(t, fastVerify)
	var ids []string
	for range 2 {
		var tr triggerAnswer
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "high_cpu", true), http.StatusAccepted, &tr)
		e.waitWorkflow(tr.WorkflowID, "completed", "failed")
		ids = append(ids, tr.WorkflowID)
	}
	if err := c.Delete(t.Context(), &v1alpha1.RemediationWorkflow{ObjectMeta: metav1.ObjectMeta{Namespace: e.namespace, Name: ids[0]}}); err != nil {
		t.Fatal(err)
	}
	e.waitGone(ids[0])
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "high_cpu", true), http.StatusAccepted, &tr)
	if tr.WorkflowID == ids[0] || tr.WorkflowID == ids[1] {
		t.Fatalf("third request answered with workflow %s, want a new one (had %v)", tr.WorkflowID, ids)
	}
	if wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed"); wf.Reason != "DryRun" {
		t.Fatalf("third workflow = %s (%s)", wf.Status, wf.Reason)
	}
}

// waitGone waits until GET /api/v1/workflows/{id} answers 404.
func (e *testEngine) waitGone(id string) {
	e.t.Helper()
	for i := 0; ; i++ {
		if code, _ := e.do(http.MethodGet, "/api/v1/workflows/"+id, "", nil); code == http.StatusNotFound {
			return
		}
		if i > 100 {
			e.t.Fatal(fmt.Sprintf("workflow %s still there after 10s", id))
		}
		sleep100ms()
	}
}

// The Python engine's bookkeeping actions change nothing in the cluster; their workflows
// complete at once and say so.
func TestBookkeepingActionsCompleteWithoutAChange(t *testing.T) {
	e, c, ns := engineWithWeb(t, fastVerify)
	var inc created
	e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident("Alerts to correlate", "medium", ""), http.StatusCreated, &inc)
	var a struct {
		ActionID string `json:"action_id"`
	}
	body := fmt.Sprintf(`{"incidentId":%q,"action":"correlate_alerts","parameters":{"deployment":"web","namespace":%q},"priority":5,"confidence":0.9}`,
		inc.IncidentID, ns)
	e.mustDo(http.MethodPost, "/api/v1/remediate", body, http.StatusOK, &a)
	if wf := e.waitWorkflow(a.ActionID, "completed", "failed"); wf.Status != "completed" || wf.Reason != "NothingToChange" {
		t.Fatalf("workflow = %s (%s: %s), want completed with NothingToChange", wf.Status, wf.Reason, wf.Message)
	}
	if d := getDeployment(t, c, ns, "web"); d.Generation != 1 {
		t.Fatalf("Deployment generation = %d, want 1", d.Generation)
	}
}

// A workflow whose incident was deleted meanwhile still finishes and gives its target back.
func TestAWorkflowFinishesWhenItsIncidentIsGone(t *testing.T) {
	e, c, ns := engineWithWeb(t, fastVerify)
	playDeploymentController(t, c, ns)
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "oom_kill", false), http.StatusAccepted, &tr)
	if err := c.Delete(t.Context(), &v1alpha1.Incident{ObjectMeta: metav1.ObjectMeta{Namespace: e.namespace, Name: tr.IncidentID}}); err != nil {
		t.Fatal(err)
	}
	if wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed"); wf.Status != "completed" {
		t.Fatalf("workflow = %s (%s: %s), want completed", wf.Status, wf.Reason, wf.Message)
	}
	var status struct {
		Safety struct {
			InFlight int `json:"in_flight"`
		} `json:"safety"`
	}
	e.mustDo(http.MethodGet, "/api/v1/status", "", http.StatusOK, &status)
	if status.Safety.InFlight != 0 {
		t.Fatalf("actions in flight = %d after the workflow finished, want 0", status.Safety.InFlight)
	}
}
