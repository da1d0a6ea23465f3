package coordination

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// fast makes the controller look again every 100ms and give up on checks after a second.
var fast = Options{Interval: 100 * time.Millisecond, CheckTimeout: time.Second}

// workflowNamed reads a workflow fresh.
func (h *harness) workflowNamed(t *testing.T, name string) *v1alpha1.RemediationWorkflow {
	t.Helper()
	var wf v1alpha1.RemediationWorkflow
	if err := h.c.Get(t.Context(), client.ObjectKey{Namespace: h.ns, Name: name}, &wf); err != nil {
		t.Fatalf("get workflow %s: %v", name, err)
	}
	return &wf
}

// children lists the child workflows of parent.
func (h *harness) children(t *testing.T, parent string) []v1alpha1.RemediationWorkflow {
	t.Helper()
	var list v1alpha1.RemediationWorkflowList
	if err := h.c.List(t.Context(), &list, client.InNamespace(h.ns)); err != nil {
		t.Fatal(err)
	}
	var out []v1alpha1.RemediationWorkflow
	for _, wf := range list.Items {
		if wf.Spec.ParentRef == parent {
			out = append(out, wf)
		}
	}
	return out
}

// childFor waits for parent's child workflow on target and returns it.
func (h *harness) childFor(t *testing.T, parent string, target v1alpha1.Target) *v1alpha1.RemediationWorkflow {
	t.Helper()
	var found *v1alpha1.RemediationWorkflow
	eventually(t, 10*time.Second, "a child workflow for "+target.String(), func() bool {
		for _, ch := range h.children(t, parent) {
			if ch.Spec.Target == target {
				found = &ch
				return true
			}
		}
		return false
	})
	return found
}

// setPhase writes a child's phase as the executor would.
func (h *harness) setPhase(t *testing.T, name string, phase v1alpha1.WorkflowPhase, errMsg string) {
	t.Helper()
	wf := h.workflowNamed(t, name)
	wf.Status.Phase, wf.Status.Error = phase, errMsg
	if phase.Finished() {
		now := metav1.Now()
		wf.Status.CompletedAt = &now
	}
	if err := h.c.Status().Update(t.Context(), wf); err != nil {
		t.Fatalf("set phase of %s: %v", name, err)
	}
}

// waitParent waits until ok holds for the parent workflow and returns it.
func (h *harness) waitParent(t *testing.T, name, what string, ok func(*v1alpha1.RemediationWorkflow) bool) *v1alpha1.RemediationWorkflow {
	t.Helper()
	var wf *v1alpha1.RemediationWorkflow
	eventually(t, 15*time.Second, what, func() bool {
		wf = h.workflowNamed(t, name)
		return ok(wf)
	})
	return wf
}

func stepStatuses(wf *v1alpha1.RemediationWorkflow) []string {
	var out []string
	for _, s := range wf.Status.Steps {
		out = append(out, s.Status)
	}
	return out
}

func checkpointStatuses(wf *v1alpha1.RemediationWorkflow) []string {
	var out []string
	for _, c := range wf.Status.Checkpoints {
		out = append(out, c.Status)
	}
	return out
}

// sickNodeUnderWeb creates a NotReady node with a pod of the Deployment web on it, and
// triggers a coordination for web: its plan is the node, then web.
func sickNodeUnderWeb(t *testing.T, h *harness) (Result, v1alpha1.Target, v1alpha1.Target) {
	t.Helper()
	apps := env.Namespace(t)
	node := "sick-" + h.ns
	newNode(t, h.c, node, corev1.ConditionFalse)
	newDeployment(t, h.c, apps, "web")
	newPod(t, h.c, apps, "web-1", "web", node)
	r, err := h.requests.Trigger(t.Context(), Trigger{Description: "web crash-loops on a node that went away",
		Resources: []Resource{res("Deployment", apps, "web", "pod_crash")}})
	if err != nil {
		t.Fatalf("Trigger() error = %v", err)
	}
	if !slices.Equal(r.Layers, []string{LayerInfrastructure, LayerApplication}) || r.RootCauseLayer != LayerInfrastructure {
		t.Fatalf("Trigger() = layers %v, root cause %s; want infrastructure then application", r.Layers, r.RootCauseLayer)
	}
	return r, v1alpha1.Target{Kind: "Node", Name: node}, v1alpha1.Target{Kind: "Deployment", Namespace: apps, Name: "web"}
}

func TestControllerRunsTheLayersInOrder(t *testing.T) {
	h := newHarness(t, fast)
	r, nodeTarget, webTarget := sickNodeUnderWeb(t, h)
	parent := r.Workflow.Name

	again, err := h.requests.Trigger(t.Context(), Trigger{Description: "web crash-loops on a node that went away",
		Resources: []Resource{res("deployment", webTarget.Namespace, "web", "CrashLoopBackOff")}})
	if err != nil || again.Workflow.Name != parent || again.Created || again.Incident.Name != r.Incident.Name {
		t.Fatalf("the same request again = %s (created %t, incident %s), %v; want %s again", again.Workflow.Name, again.Created,
			again.Incident.Name, err, parent)
	}

	nodeChild := h.childFor(t, parent, nodeTarget)
	noApplicationChild := func(when string) {
		t.Helper()
		for _, ch := range h.children(t, parent) {
			if ch.Spec.Target == webTarget {
				t.Fatalf("%s: the application child %s exists already", when, ch.Name)
			}
		}
	}
	wf := h.waitParent(t, parent, "the node's step to run", func(wf *v1alpha1.RemediationWorkflow) bool {
		return slices.Equal(stepStatuses(wf), []string{stepRunning, stepPending})
	})
	if wf.Phase() != v1alpha1.WorkflowRunning || !slices.Equal(wf.Status.Layers, []string{LayerInfrastructure, LayerApplication}) ||
		wf.Status.Steps[0].Workflow != nodeChild.Name || *wf.Status.Steps[0].Target != nodeTarget || wf.Status.Steps[0].Action != actionRemediate ||
		wf.Status.Checkpoints[0].AfterStep != 1 || wf.Status.Checkpoints[1].AfterStep != 2 {
		t.Fatalf("parent = %+v, want running with the node's child in step 1 and a checkpoint after each layer", wf.Status)
	}
	noApplicationChild("while the node's child is pending")

	h.setPhase(t, nodeChild.Name, v1alpha1.WorkflowAwaitingApproval, "")
	wf = h.waitParent(t, parent, "the step to show the approval wait", func(wf *v1alpha1.RemediationWorkflow) bool {
		return wf.Status.Steps[0].Status == stepAwaitingApproval
	})
	if c := meta.FindStatusCondition(wf.Status.Conditions, v1alpha1.ConditionExecuted); c == nil || c.Reason != v1alpha1.ReasonApprovalRequired ||
		!strings.Contains(c.Message, nodeChild.Name) {
		t.Errorf("Executed condition = %+v, want ApprovalRequired naming %s", c, nodeChild.Name)
	}
	time.Sleep(300 * time.Millisecond)
	noApplicationChild("while the node's child waits for approval")

	h.setPhase(t, nodeChild.Name, v1alpha1.WorkflowRunning, "")
	time.Sleep(300 * time.Millisecond)
	noApplicationChild("while the node's child runs")

	h.setPhase(t, nodeChild.Name, v1alpha1.WorkflowCompleted, "")
	webChild := h.childFor(t, parent, webTarget)
	wf = h.waitParent(t, parent, "the application step to run", func(wf *v1alpha1.RemediationWorkflow) bool {
		return wf.Status.Steps[1].Workflow == webChild.Name
	})
	if got := checkpointStatuses(wf); !slices.Equal(got, []string{checkpointPassed, checkpointPending}) {
		t.Errorf("checkpoints = %v, want the infrastructure one passed", got)
	}
	if s1, s2 := wf.Status.Steps[0], wf.Status.Steps[1]; s2.StartedAt.Before(s1.CompletedAt) {
		t.Errorf("the application step started at %s, before the node's ended at %s", s2.StartedAt, s1.CompletedAt)
	}
	if webChild.Spec.IncidentRef != r.Incident.Name || webChild.Spec.Issue.Type != "pod_crash" {
		t.Errorf("application child = %+v, want the coordination's incident and issue", webChild.Spec)
	}

	h.setPhase(t, webChild.Name, v1alpha1.WorkflowCompleted, "")
	wf = h.waitParent(t, parent, "the coordination to complete", func(wf *v1alpha1.RemediationWorkflow) bool { return wf.Phase().Finished() })
	if wf.Phase() != v1alpha1.WorkflowCompleted || !slices.Equal(checkpointStatuses(wf), []string{checkpointPassed, checkpointPassed}) ||
		!slices.Equal(stepStatuses(wf), []string{stepCompleted, stepCompleted}) {
		t.Fatalf("parent = %s, steps %v, checkpoints %v; want completed with everything passed", wf.Phase(), stepStatuses(wf), checkpointStatuses(wf))
	}
	eventually(t, 5*time.Second, "the incident to be resolved", func() bool {
		inc, err := h.incidents.Get(t.Context(), r.Incident.Name)
		return err == nil && inc.Phase() == v1alpha1.IncidentCompleted
	})
}

func TestControllerFailedInfrastructureStepSkipsLaterLayersAndEscalates(t *testing.T) {
	h := newHarness(t, fast)
	r, nodeTarget, _ := sickNodeUnderWeb(t, h)
	parent := r.Workflow.Name
	nodeChild := h.childFor(t, parent, nodeTarget)

	h.setPhase(t, nodeChild.Name, v1alpha1.WorkflowFailed, "the drain was refused")
	wf := h.waitParent(t, parent, "the coordination to fail", func(wf *v1alpha1.RemediationWorkflow) bool { return wf.Phase().Finished() })
	if wf.Phase() != v1alpha1.WorkflowFailed || !slices.Equal(stepStatuses(wf), []string{stepFailed, stepSkipped}) ||
		!slices.Equal(checkpointStatuses(wf), []string{checkpointFailed, checkpointSkipped}) {
		t.Fatalf("parent = %s, steps %v, checkpoints %v; want failed, the application step and checkpoint skipped",
			wf.Phase(), stepStatuses(wf), checkpointStatuses(wf))
	}
	if !strings.Contains(wf.Status.Error, "the drain was refused") || !strings.Contains(wf.Status.Steps[0].Error, nodeChild.Name) {
		t.Errorf("error = %q, step 1 error = %q; want the child's reason", wf.Status.Error, wf.Status.Steps[0].Error)
	}
	if wf.Status.Steps[1].Workflow != "" || len(h.children(t, parent)) != 1 {
		t.Errorf("the application layer started a child: step 2 = %+v", wf.Status.Steps[1])
	}
	eventually(t, 5*time.Second, "the incident to be escalated", func() bool {
		inc, err := h.incidents.Get(t.Context(), r.Incident.Name)
		if err != nil || inc.Phase().Finished() {
			return false
		}
		c := meta.FindStatusCondition(inc.Status.Conditions, v1alpha1.ConditionEscalated)
		return c != nil && c.Status == metav1.ConditionTrue && strings.Contains(c.Message, "the drain was refused")
	})
}

func TestControllerDegradedClusterOperatorFailsThePlatformCheckpoint(t *testing.T) {
	h := newHarness(t, fast)
	operator := "dns-" + h.ns[len(h.ns)-8:]
	co := clusterOperator(t, h.c, operator, false)
	platformNS := namespace(t, h.c, "openshift-"+h.ns[len(h.ns)-12:])
	newDeployment(t, h.c, platformNS, "router")
	r, err := h.requests.Trigger(t.Context(), Trigger{Description: "ingress is down",
		Resources: []Resource{res("Deployment", platformNS, "router", "pod_crash"), res("ClusterOperator", "", operator, "cluster_operator_degraded")}})
	if err != nil {
		t.Fatalf("Trigger() error = %v", err)
	}
	parent := r.Workflow.Name
	if !slices.Equal(r.Layers, []string{LayerPlatform}) {
		t.Fatalf("layers = %v, want platform only", r.Layers)
	}
	router := h.childFor(t, parent, v1alpha1.Target{Kind: "Deployment", Namespace: platformNS, Name: "router"})
	h.waitParent(t, parent, "the operator's check to pass", func(wf *v1alpha1.RemediationWorkflow) bool {
		return slices.Equal(stepStatuses(wf), []string{stepRunning, stepCompleted})
	})
	if n := len(h.children(t, parent)); n != 1 {
		t.Errorf("children = %d, want 1: a ClusterOperator is checked, not remediated", n)
	}

	setConditions(t, h.c, co, operatorConditions(true)...)
	h.setPhase(t, router.Name, v1alpha1.WorkflowCompleted, "")
	wf := h.waitParent(t, parent, "the coordination to fail", func(wf *v1alpha1.RemediationWorkflow) bool { return wf.Phase().Finished() })
	cp := wf.Status.Checkpoints[0]
	if wf.Phase() != v1alpha1.WorkflowFailed || cp.Status != checkpointFailed ||
		!slices.ContainsFunc(cp.Checks, func(s string) bool { return strings.Contains(s, "ClusterOperator "+operator+" Degraded=True") }) {
		t.Fatalf("parent = %s, checkpoint = %+v; want failed on the degraded operator", wf.Phase(), cp)
	}
	if c := meta.FindStatusCondition(wf.Status.Conditions, v1alpha1.ConditionVerified); c == nil || c.Reason != v1alpha1.ReasonNotRecovered {
		t.Errorf("Verified condition = %+v, want NotRecovered", c)
	}
}

func TestControllerWaitsWhileTheClusterUpgrades(t *testing.T) {
	h := newHarness(t, fast)
	cv := platformObject(t, h.c, "config.openshift.io/v1", "ClusterVersion", "version",
		map[string]any{"clusterID": "00000000-0000-0000-0000-000000000000"}, cond("Progressing", "True", "Working towards 4.20.1"))
	apps := env.Namespace(t)
	newDeployment(t, h.c, apps, "web")
	r, err := h.requests.Trigger(t.Context(), Trigger{Description: "web crash-loops",
		Resources: []Resource{res("Deployment", apps, "web", "pod_crash")}})
	if err != nil {
		t.Fatalf("Trigger() error = %v", err)
	}
	parent := r.Workflow.Name
	wf := h.waitParent(t, parent, "the application layer to wait", func(wf *v1alpha1.RemediationWorkflow) bool {
		c := meta.FindStatusCondition(wf.Status.Conditions, v1alpha1.ConditionExecuted)
		return c != nil && c.Reason == v1alpha1.ReasonPlatformBusy
	})
	if c := meta.FindStatusCondition(wf.Status.Conditions, v1alpha1.ConditionExecuted); !strings.Contains(c.Message, "the cluster is upgrading") {
		t.Errorf("Executed condition message = %q, want the upgrade named", c.Message)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(h.children(t, parent)); n != 0 || h.workflowNamed(t, parent).Status.Steps[0].Status != stepPending {
		t.Fatalf("children = %d while the cluster upgrades, want 0 and the step pending", n)
	}

	setConditions(t, h.c, cv, cond("Progressing", "False", "Cluster version is 4.20.1"))
	web := h.childFor(t, parent, v1alpha1.Target{Kind: "Deployment", Namespace: apps, Name: "web"})
	wf = h.waitParent(t, parent, "the application step to run", func(wf *v1alpha1.RemediationWorkflow) bool {
		return wf.Status.Steps[0].Workflow == web.Name
	})
	if c := meta.FindStatusCondition(wf.Status.Conditions, v1alpha1.ConditionExecuted); c != nil && c.Reason == v1alpha1.ReasonPlatformBusy {
		t.Errorf("Executed condition = %+v after the upgrade, want the wait over", c)
	}
}
