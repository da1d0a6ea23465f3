package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/config"
)

// post sends a JSON body without the test's helpers (safe from goroutines) and returns the
// status and body.
func post(url, body string) (int, string, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}

// 100 triggers for one target, each for an incident of its own, arrive at once: exactly one
// action reaches the Deployment; the others are refused by the gate and change nothing.
func TestConcurrentTriggersOnOneTargetMakeOneChange(t *testing.T) {
	e, c, ns := engineWithWeb(t, fastVerify)
	playDeploymentController(t, c, ns)
	const n = 100
	ids := make([]string, n)
	for i := range ids {
		var inc created
		e.mustDo(http.MethodPost, "/api/v1/incidents", mcpIncident(fmt.Sprintf("web crash loop %d", i), "medium", ""), http.StatusCreated, &inc)
		ids[i] = inc.IncidentID
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, id := range ids {
		wg.Go(func() {
			body := fmt.Sprintf(`{"incident_id":%q,"namespace":%q,"resource":{"kind":"Deployment","name":"web"},"issue":{"type":"pod_crash"}}`, id, ns)
			if code, raw, err := post(e.url+"/api/v1/remediation/trigger", body); err != nil || code != http.StatusAccepted {
				errs <- fmt.Errorf("trigger = %d %s %v", code, raw, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every workflow finishes: one completed, the rest refused (duplicate, cooling down).
	deadline := time.Now().Add(60 * time.Second)
	var counts map[string]int
	for {
		var list struct {
			Workflows []struct{ Status, Reason string } `json:"workflows"`
		}
		e.mustDo(http.MethodGet, "/api/v1/workflows?limit=1000", "", http.StatusOK, &list)
		counts = map[string]int{}
		for _, wf := range list.Workflows {
			counts[wf.Status]++
		}
		if len(list.Workflows) == n && counts["completed"]+counts["failed"]+counts["cancelled"] == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflows did not all finish in 60s: %v", counts)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if counts["completed"] != 1 {
		t.Errorf("completed workflows = %d (%v), want exactly 1", counts["completed"], counts)
	}
	if d := getDeployment(t, c, ns, "web"); d.Generation != 2 {
		t.Errorf("Deployment generation = %d, want 2: one restart and no other change", d.Generation)
	}
	if evs := waitEvents(t, c, ns, "web", v1alpha1.EventRemediated, 2); len(evs) != 1 {
		t.Errorf("Remediated Events = %d, want 1", len(evs))
	}
	metrics := e.mustDo(http.MethodGet, "/metrics", "", http.StatusOK, nil)
	if !strings.Contains(metrics, `coordination_engine_actions_total{action_type="restart",source="manual"} 1`) {
		t.Errorf("/metrics does not count exactly one restart:\n%s", grepLines(metrics, "coordination_engine_actions_total"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// An action class that needs approval waits; approving lets it run, rejecting cancels it.
func TestApprovalGatesTheAction(t *testing.T) {
	e := startEngine(t, fastVerify, withSafetyPolicy(t, map[string]string{"approvalRequired": "restart"}))
	c := env.Client(t)
	ns := env.Namespace(t)
	newDeployment(t, c, ns, "approved")
	newDeployment(t, c, ns, "rejected")
	playDeploymentController(t, c, ns)
	for _, name := range []string{"approved", "rejected"} {
		var tr triggerAnswer
		e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", name, "pod_crash", false), http.StatusAccepted, &tr)
		wf := e.waitWorkflow(tr.WorkflowID, "awaiting_approval")
		if d := getDeployment(t, c, ns, name); d.Generation != 1 {
			t.Fatalf("%s: Deployment changed (generation %d) while waiting for approval", name, d.Generation)
		}
		verb, want := "approve", "completed"
		if name == "rejected" {
			verb, want = "reject", "cancelled"
		}
		e.mustDo(http.MethodPost, "/api/v1/workflows/"+wf.ID+"/"+verb, `{"by":"sre@example.com","reason":"checked"}`, http.StatusOK, nil)
		if got := e.waitWorkflow(wf.ID, "completed", "cancelled", "failed"); got.Status != want {
			t.Fatalf("%s: workflow = %s (%s: %s), want %s", name, got.Status, got.Reason, got.Message, want)
		}
		wantGen := int64(2)
		if name == "rejected" {
			wantGen = 1
		}
		if d := getDeployment(t, c, ns, name); d.Generation != wantGen {
			t.Fatalf("%s: Deployment generation = %d, want %d", name, d.Generation, wantGen)
		}
		// Deciding again the other way is a conflict.
		other := map[string]string{"approve": "reject", "reject": "approve"}[verb]
		e.mustDo(http.MethodPost, "/api/v1/workflows/"+wf.ID+"/"+other, "", http.StatusConflict, nil)
	}
	// The approved restart is the one action the budget counted.
	var status struct {
		Safety struct {
			Paused        bool           `json:"paused"`
			InFlight      int            `json:"in_flight"`
			ClusterUsed   int            `json:"cluster_used"`
			ClusterBudget int            `json:"cluster_budget"`
			Namespaces    map[string]int `json:"namespaces_used"`
		} `json:"safety"`
	}
	e.mustDo(http.MethodGet, "/api/v1/status", "", http.StatusOK, &status)
	if s := status.Safety; s.Paused || s.InFlight != 0 || s.ClusterUsed != 1 || s.ClusterBudget != 20 || s.Namespaces[ns] != 1 {
		t.Errorf("status safety = %+v, want 1 of 20 actions used, in %s, nothing in flight", s, ns)
	}
}

// Protected namespaces are never acted on; the workflow says why.
func TestProtectedNamespaceIsRefused(t *testing.T) {
	e := startEngine(t, fastVerify, withSafetyPolicy(t, map[string]string{"protectedNamespaces": "kube-*,prod-*"}))
	c := env.Client(t)
	ns := "prod-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))[:20]
	if err := c.Create(t.Context(), namespaceObject(ns)); err != nil {
		t.Fatal(err)
	}
	newDeployment(t, c, ns, "web")
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "pod_crash", false), http.StatusAccepted, &tr)
	if wf := e.waitWorkflow(tr.WorkflowID, "failed", "completed"); wf.Reason != "ProtectedNamespace" {
		t.Fatalf("workflow = %s (%s), want failed with ProtectedNamespace", wf.Status, wf.Reason)
	}
	if d := getDeployment(t, c, ns, "web"); d.Generation != 1 {
		t.Fatalf("Deployment generation = %d, want 1", d.Generation)
	}
}

// A target that does not recover gets the engine's change undone and the incident escalated.
func TestUnrecoveredTargetIsUndoneAndEscalated(t *testing.T) {
	e := startEngine(t, func(o *config.Options) { o.VerifyWindow, o.VerifyTimeout = time.Second, 2*time.Second })
	c := env.Client(t)
	ns := env.Namespace(t)
	newDeployment(t, c, ns, "web") // nothing plays the controller: it never reports ready
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "oom_kill", false), http.StatusAccepted, &tr)
	wf := e.waitWorkflow(tr.WorkflowID, "failed", "completed")
	if wf.Reason != v1alpha1.ReasonUndone || !wf.Steps[0].Undone || wf.Checkpoints[0].Status != "failed" {
		t.Fatalf("workflow = %+v, want failed with its change undone", wf)
	}
	if got := memoryLimit(t, c, ns, "web"); got != "256Mi" {
		t.Fatalf("memory limit = %s after the undo, want 256Mi again", got)
	}
	e.waitIncident(tr.IncidentID, func(i incidentView) bool { return i.Severity == "high" && i.Status != "completed" })
	if evs := waitEvents(t, c, ns, "web", v1alpha1.EventRemediationUndone, 1); len(evs) != 1 {
		t.Fatalf("RemediationUndone Events = %d, want 1", len(evs))
	}
}

// A workflow whose change was recorded and made just before the engine stopped is resumed
// after a restart: the same change is applied again, which changes nothing, and verified.
func TestRestartResumesARecordedChangeWithoutActingTwice(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	newDeployment(t, c, ns, "web")
	patch := `{"metadata":{"uid":"%s"},"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-25T10:00:00Z"}}}}}`
	d := getDeployment(t, c, ns, "web")
	patch = fmt.Sprintf(patch, d.UID)
	// The engine made the change before it stopped.
	if err := c.Patch(t.Context(), d, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil {
		t.Fatal(err)
	}
	playDeploymentController(t, c, ns)
	var engineNS string
	e := startEngine(t, fastVerify, func(o *config.Options) {
		engineNS = o.Namespace
		recordInterruptedWorkflow(t, c, o.Namespace, ns, string(d.UID), patch)
	})
	wf := e.waitWorkflow("wf-interrupted", "completed", "failed")
	if wf.Status != "completed" {
		t.Fatalf("resumed workflow = %+v, want completed", wf)
	}
	if got := getDeployment(t, c, ns, "web"); got.Generation != 2 {
		t.Fatalf("Deployment generation = %d, want 2: the change was made once", got.Generation)
	}
	var stored v1alpha1.RemediationWorkflow
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: engineNS, Name: "wf-interrupted"}, &stored); err != nil {
		t.Fatal(err)
	}
	if cond := findCondition(stored.Status.Conditions, v1alpha1.ConditionExecuted); cond == nil || cond.Reason != v1alpha1.ReasonResumed {
		t.Fatalf("Executed condition = %+v, want reason Resumed", cond)
	}
}

// recordInterruptedWorkflow stores a workflow as the executor leaves it between recording a
// change and recording its outcome.
func recordInterruptedWorkflow(t *testing.T, c client.Client, engineNS, ns, uid, patch string) {
	t.Helper()
	wf := &v1alpha1.RemediationWorkflow{
		ObjectMeta: metav1.ObjectMeta{Namespace: engineNS, Name: "wf-interrupted"},
		Spec: v1alpha1.RemediationWorkflowSpec{IncidentRef: "inc-interrupted", Target: v1alpha1.Target{Kind: "Deployment", Namespace: ns, Name: "web"},
			Issue: v1alpha1.Issue{Type: "pod_crash"}, Source: v1alpha1.SourceManual, Priority: 5},
	}
	if err := c.Create(t.Context(), wf); err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	wf.Status = v1alpha1.RemediationWorkflowStatus{Phase: v1alpha1.WorkflowRunning, DeploymentMethod: "manual", Strategy: "direct",
		StartedAt: &now, Layers: []string{"application"},
		Steps: []v1alpha1.Step{{Order: 1, Layer: "application", Action: "restart", Description: "restart web", Status: "running", StartedAt: &now,
			Change: &v1alpha1.Change{Strategy: "direct", Operation: v1alpha1.OperationPatch, PatchType: "application/merge-patch+json",
				Object: v1alpha1.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "web", UID: uid},
				Patch:  patch, Summary: "restart web"}}},
		Checkpoints: []v1alpha1.Checkpoint{{Layer: "application", AfterStep: 1, Status: "pending"}},
	}
	if err := c.Status().Update(t.Context(), wf); err != nil {
		t.Fatal(err)
	}
	inc := &v1alpha1.Incident{ObjectMeta: metav1.ObjectMeta{Namespace: engineNS, Name: "inc-interrupted"},
		Spec: v1alpha1.IncidentSpec{Title: "web crash loop", Description: "web restarts again and again", Severity: v1alpha1.SeverityMedium,
			Priority: 5, Source: v1alpha1.SourceManual}}
	if err := c.Create(t.Context(), inc); err != nil {
		t.Fatal(err)
	}
}

func findCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}
