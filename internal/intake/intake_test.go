package intake

import (
	"context"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// fakeIncidents keeps incidents by correlation key, as the incident service does.
type fakeIncidents struct{ byKey map[string]*v1alpha1.Incident }

func (f *fakeIncidents) Create(_ context.Context, n incident.New) (*v1alpha1.Incident, bool, error) {
	if inc, ok := f.byKey[n.CorrelationID]; ok {
		return inc, false, nil
	}
	inc := &v1alpha1.Incident{ObjectMeta: metav1.ObjectMeta{Name: "inc-" + n.CorrelationID},
		Spec: v1alpha1.IncidentSpec{Title: n.Title, Severity: n.Severity, Priority: n.Severity.Priority(), Source: n.Source, CorrelationID: n.CorrelationID}}
	f.byKey[n.CorrelationID] = inc
	return inc, true, nil
}

func (f *fakeIncidents) Find(_, key string) *v1alpha1.Incident { return f.byKey[key] }

func (f *fakeIncidents) Reopen(_ context.Context, id, _ string) (*v1alpha1.Incident, error) {
	inc := f.byName(id)
	inc.Status.Phase = v1alpha1.IncidentPending
	return inc, nil
}

func (f *fakeIncidents) Resolve(_ context.Context, id, _ string) (*v1alpha1.Incident, error) {
	inc := f.byName(id)
	inc.Status.Phase = v1alpha1.IncidentCompleted
	return inc, nil
}

func (f *fakeIncidents) byName(id string) *v1alpha1.Incident {
	for _, inc := range f.byKey {
		if inc.Name == id {
			return inc
		}
	}
	return nil
}

// fakeRequests records triggers and links the workflow, as remediation.Requests does.
type fakeRequests struct {
	incidents *fakeIncidents
	triggers  []remediation.Trigger
}

func (f *fakeRequests) Trigger(_ context.Context, t remediation.Trigger) (remediation.Result, error) {
	f.triggers = append(f.triggers, t)
	wf := &v1alpha1.RemediationWorkflow{ObjectMeta: metav1.ObjectMeta{Name: "wf-" + t.IncidentID}}
	f.incidents.byName(t.IncidentID).Status.WorkflowRef = wf.Name
	return remediation.Result{Workflow: wf, Created: true}, nil
}

type fakePhases map[string]v1alpha1.WorkflowPhase

func (f fakePhases) Phase(name string) (v1alpha1.WorkflowPhase, bool) { p, ok := f[name]; return p, ok }

func newTestIntake(p Policy) (*Intake, *fakeIncidents, *fakeRequests, fakePhases) {
	inc := &fakeIncidents{byKey: map[string]*v1alpha1.Incident{}}
	req := &fakeRequests{incidents: inc}
	phases := fakePhases{}
	return New(inc, req, phases, func() (Policy, error) { return p, nil }, logr.Discard()), inc, req, phases
}

var crash = Signal{Source: v1alpha1.SourceWatcher, Key: "watch:Deployment/shop/web:pod_crash", Issue: issue.PodCrash,
	Target: v1alpha1.Target{Kind: "Deployment", Namespace: "shop", Name: "web"}, Severity: v1alpha1.SeverityHigh,
	Title: "pod_crash on Deployment/shop/web", Description: "3 pods crash-loop"}

func TestOpenStartsOneWorkflowPerProblem(t *testing.T) {
	in, _, req, _ := newTestIntake(DefaultPolicy("ce"))
	first, err := in.Open(t.Context(), crash)
	if err != nil {
		t.Fatal(err)
	}
	if first.Action != "opened" || first.Mode != Automatic || first.Workflow == "" {
		t.Fatalf("first Open = %+v, want an opened incident with a workflow", first)
	}
	again, err := in.Open(t.Context(), crash)
	if err != nil {
		t.Fatal(err)
	}
	if again.Action != "updated" || again.Incident != first.Incident {
		t.Errorf("second Open = %+v, want the same incident updated", again)
	}
	if len(req.triggers) != 2 || req.triggers[1].IncidentID != first.Incident {
		// The second trigger finds the same active workflow (the request key); the intake does
		// not decide that itself.
		t.Errorf("triggers = %+v", req.triggers)
	}
	if req.triggers[0].Source != v1alpha1.SourceWatcher || req.triggers[0].ApprovalRequired {
		t.Errorf("trigger = %+v, want source watcher without approval", req.triggers[0])
	}
}

func TestOpenFollowsThePolicy(t *testing.T) {
	tests := []struct {
		name         string
		signal       Signal
		wantTrigger  bool
		wantApproval bool
	}{
		{"automatic starts a workflow", crash, true, false},
		{"approval starts a workflow that waits for a person",
			Signal{Key: "watch:Node/w-1:node_not_ready", Issue: issue.NodeNotReady, Target: v1alpha1.Target{Kind: "Node", Name: "w-1"}, Title: "node w-1 NotReady"}, true, true},
		{"incident only starts nothing",
			Signal{Key: "k", Issue: issue.PodCrash, Target: v1alpha1.Target{Kind: "Deployment", Namespace: "kube-system", Name: "dns"}, Title: "dns crashes"}, false, false},
		{"a signal without a target starts nothing",
			Signal{Key: "alert:1", Issue: issue.PodCrash, Title: "something crashes"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _, req, _ := newTestIntake(DefaultPolicy("ce"))
			out, err := in.Open(t.Context(), tt.signal)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(req.triggers) == 1; got != tt.wantTrigger {
				t.Fatalf("triggered = %t (%+v), want %t", got, out, tt.wantTrigger)
			}
			if tt.wantTrigger && req.triggers[0].ApprovalRequired != tt.wantApproval {
				t.Errorf("ApprovalRequired = %t, want %t", req.triggers[0].ApprovalRequired, tt.wantApproval)
			}
			if !tt.wantTrigger && out.Note == "" {
				t.Errorf("Open = %+v, want a note saying why nothing was started", out)
			}
		})
	}
}

func TestAProblemHandedToPeopleIsNotRemediatedAgain(t *testing.T) {
	in, incs, req, phases := newTestIntake(DefaultPolicy("ce"))
	first, _ := in.Open(t.Context(), crash)
	phases[first.Workflow] = v1alpha1.WorkflowFailed
	inc := incs.Find("", crash.Key)
	meta.SetStatusCondition(&inc.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionEscalated, Status: metav1.ConditionTrue, Reason: "NotRecovered"})
	out, err := in.Open(t.Context(), crash)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.triggers) != 1 || out.Note == "" {
		t.Errorf("after escalation Open = %+v with %d triggers, want no new workflow and a note", out, len(req.triggers))
	}
}

func TestAProblemThatComesBackReopensItsIncident(t *testing.T) {
	in, incs, req, _ := newTestIntake(DefaultPolicy("ce"))
	first, _ := in.Open(t.Context(), crash)
	incs.Find("", crash.Key).Status.Phase = v1alpha1.IncidentCompleted
	out, err := in.Open(t.Context(), crash)
	if err != nil {
		t.Fatal(err)
	}
	if out.Action != "reopened" || out.Incident != first.Incident || len(req.triggers) != 2 {
		t.Errorf("Open = %+v with %d triggers, want the incident reopened and a new workflow", out, len(req.triggers))
	}
}

func TestClose(t *testing.T) {
	in, incs, _, phases := newTestIntake(DefaultPolicy("ce"))
	if out, _ := in.Close(t.Context(), "", "unknown", "gone"); out.Action != "ignored" {
		t.Errorf("Close(unknown) = %+v, want ignored", out)
	}
	first, _ := in.Open(t.Context(), crash)
	phases[first.Workflow] = v1alpha1.WorkflowRunning
	if out, _ := in.Close(t.Context(), "", crash.Key, "gone"); out.Action != "ignored" || incs.Find("", crash.Key).Phase().Finished() {
		t.Errorf("Close while the workflow runs = %+v, want the incident left to the workflow", out)
	}
	phases[first.Workflow] = v1alpha1.WorkflowFailed
	if out, _ := in.Close(t.Context(), "", crash.Key, "gone"); out.Action != "resolved" || !incs.Find("", crash.Key).Phase().Finished() {
		t.Errorf("Close after the workflow = %+v, want resolved", out)
	}
	if out, _ := in.Close(t.Context(), "", crash.Key, "gone"); out.Action != "ignored" {
		t.Errorf("Close of a resolved incident = %+v, want ignored", out)
	}
}
