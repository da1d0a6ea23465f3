package engine

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// coordinationView is what the test reads of a workflow's GET answer.
type coordinationView struct {
	ID     string   `json:"id"`
	Status string   `json:"status"`
	Layers []string `json:"layers"`
	Steps  []struct {
		Order       int     `json:"order"`
		Layer       string  `json:"layer"`
		Status      string  `json:"status"`
		WorkflowID  string  `json:"workflow_id"`
		StartedAt   *string `json:"started_at"`
		CompletedAt *string `json:"completed_at"`
		Target      *struct{ Kind, Namespace, Name string }
	} `json:"steps"`
	Checkpoints []struct {
		Layer  string   `json:"layer"`
		Status string   `json:"status"`
		Checks []string `json:"checks"`
	} `json:"checkpoints"`
}

// waitCoordination polls the workflow until ok holds (or fails after 60s).
func (e *testEngine) waitCoordination(id, what string, ok func(coordinationView) bool) coordinationView {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var wf coordinationView
		raw := e.mustDo(http.MethodGet, "/api/v1/workflows/"+id, "", http.StatusOK, &wf)
		if ok(wf) {
			return wf
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("waiting for %s: workflow %s is %s", what, id, raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// setNodeReady writes the node's Ready condition as its kubelet would, over the engine's cordon.
func setNodeReady(t *testing.T, c client.Client, name string, status corev1.ConditionStatus) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var n corev1.Node
		if err := c.Get(t.Context(), client.ObjectKey{Name: name}, &n); err != nil {
			return err
		}
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: "Test",
			Message: "set by the test", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
		return c.Status().Update(t.Context(), &n)
	})
	if err != nil {
		t.Fatalf("set node %s Ready=%s: %v", name, status, err)
	}
}

// A Deployment crash-loops on a NotReady node: the coordination plans the node first (root
// cause, found through where web's pod runs), the executor drains it once a person approves,
// and only after the node's child workflow completed does the application's child start.
func TestCoordinationRemediatesTheNodeBeforeTheApplication(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	ns := env.Namespace(t)
	node := "coord-" + ns
	if err := c.Create(t.Context(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}) })
	setNodeReady(t, c, node, corev1.ConditionFalse)
	newDeployment(t, c, ns, "web")
	playDeploymentController(t, c, ns)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-1", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "example/app:1.0"}}}}
	if err := c.Create(t.Context(), pod); err != nil {
		t.Fatal(err)
	}

	var tr struct {
		WorkflowID     string   `json:"workflow_id"`
		IncidentID     string   `json:"incident_id"`
		AffectedLayers []string `json:"affected_layers"`
		RootCauseLayer string   `json:"root_cause_layer"`
		EstimatedSteps int      `json:"estimated_steps"`
		Steps          []struct {
			Layer  string
			Target struct{ Kind, Name string }
			Issue  string
		} `json:"steps"`
	}
	body := fmt.Sprintf(`{"description":"web crash-loops","resources":[{"kind":"Deployment","name":"web","namespace":%q,"issue":"CrashLoopBackOff"}]}`, ns)
	e.mustDo(http.MethodPost, "/api/v1/coordination/trigger", body, http.StatusAccepted, &tr)
	if !slices.Equal(tr.AffectedLayers, []string{"infrastructure", "application"}) || tr.RootCauseLayer != "infrastructure" ||
		tr.EstimatedSteps != 2 || tr.Steps[0].Target.Kind != "Node" || tr.Steps[0].Target.Name != node || tr.Steps[0].Issue != "node_not_ready" {
		t.Fatalf("trigger = %+v, want the node (root cause) then web", tr)
	}

	wf := e.waitCoordination(tr.WorkflowID, "the node's child to wait for approval", func(wf coordinationView) bool {
		return len(wf.Steps) == 2 && wf.Steps[0].Status == "awaiting_approval"
	})
	nodeChild := wf.Steps[0].WorkflowID
	if wf.Steps[1].WorkflowID != "" || wf.Steps[1].Status != "pending" {
		t.Fatalf("the application step started before the node's: %+v", wf.Steps[1])
	}
	e.mustDo(http.MethodPost, "/api/v1/workflows/"+nodeChild+"/approve", `{"by":"sre@example.com","reason":"drain it"}`, http.StatusOK, nil)

	// The executor cordons the node and evicts web's pod; the node stays NotReady meanwhile.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n corev1.Node
		var p corev1.Pod
		if err := c.Get(t.Context(), client.ObjectKey{Name: node}, &n); err != nil {
			t.Fatal(err)
		}
		err := c.Get(t.Context(), client.ObjectKeyFromObject(pod), &p)
		if n.Spec.Unschedulable && (client.IgnoreNotFound(err) == nil && (err != nil || p.DeletionTimestamp != nil)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s unschedulable=%t, pod %v deleting=%v after 30s; want a drain", node, n.Spec.Unschedulable, err, p.DeletionTimestamp)
		}
		time.Sleep(100 * time.Millisecond)
	}
	wf = e.waitCoordination(tr.WorkflowID, "the step to follow its running child", func(wf coordinationView) bool { return wf.Steps[0].Status == "running" })
	if wf.Steps[1].WorkflowID != "" {
		t.Fatalf("the application step started while the node's child runs: %+v", wf.Steps[1])
	}

	setNodeReady(t, c, node, corev1.ConditionTrue) // the node recovers
	wf = e.waitCoordination(tr.WorkflowID, "the coordination to finish", func(wf coordinationView) bool {
		if wf.Status == "running" && wf.Steps[0].Status == "completed" {
			// The node's child is verified, the coordination goes on: the incident stays open
			// until every layer has passed. Read the incident first, then whether the
			// application's child has finished: the coordinator resolves the incident only
			// after that, so a resolved incident with that child unfinished is a child's doing.
			var inc incidentView
			e.mustDo(http.MethodGet, "/api/v1/incidents/"+tr.IncidentID, "", http.StatusOK, &inc)
			var again coordinationView
			e.mustDo(http.MethodGet, "/api/v1/workflows/"+tr.WorkflowID, "", http.StatusOK, &again)
			appDone := false
			if id := again.Steps[1].WorkflowID; id != "" {
				var child struct {
					Status string `json:"status"`
				}
				e.mustDo(http.MethodGet, "/api/v1/workflows/"+id, "", http.StatusOK, &child)
				appDone = child.Status == "completed"
			}
			if inc.Status == "completed" && !appDone {
				t.Errorf("the incident was resolved by a child while the coordination still ran")
			}
		}
		return wf.Status == "completed" || wf.Status == "failed"
	})
	if wf.Status != "completed" || !slices.Equal(wf.Layers, []string{"infrastructure", "application"}) {
		t.Fatalf("coordination = %+v, want completed", wf)
	}
	s1, s2 := wf.Steps[0], wf.Steps[1]
	if s1.Status != "completed" || s2.Status != "completed" || s2.WorkflowID == "" || s2.Target == nil || s2.Target.Name != "web" {
		t.Fatalf("steps = %+v, want both completed by their children", wf.Steps)
	}
	if *s2.StartedAt < *s1.CompletedAt {
		t.Errorf("the application step started at %s, before the node's child completed at %s", *s2.StartedAt, *s1.CompletedAt)
	}
	for _, cp := range wf.Checkpoints {
		if cp.Status != "passed" {
			t.Errorf("checkpoint after %s = %s %v, want passed", cp.Layer, cp.Status, cp.Checks)
		}
	}
	var child struct {
		Status   string `json:"status"`
		ParentID string `json:"parent_id"`
		Strategy string `json:"strategy"`
	}
	e.mustDo(http.MethodGet, "/api/v1/workflows/"+nodeChild, "", http.StatusOK, &child)
	if child.Status != "completed" || child.ParentID != tr.WorkflowID || child.Strategy != "node" {
		t.Errorf("node child = %+v, want completed by the node strategy, parent %s", child, tr.WorkflowID)
	}
	var n corev1.Node
	if err := c.Get(t.Context(), client.ObjectKey{Name: node}, &n); err != nil || n.Spec.Unschedulable {
		t.Errorf("node %s unschedulable=%t (%v), want the cordon taken back once it recovered", node, n.Spec.Unschedulable, err)
	}
	e.waitIncident(tr.IncidentID, func(i incidentView) bool { return i.Status == "completed" })
}
