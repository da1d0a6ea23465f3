package remediation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// Reasons the executor refuses with before any strategy is asked.
const (
	ReasonGitOpsManaged = v1alpha1.ReasonGitOpsManaged
	ReasonHelmManaged   = v1alpha1.ReasonHelmManaged
	ReasonUnknownOwner  = v1alpha1.ReasonUnknownOwner
)

// Planned is a workflow's plan: the deployment method, the strategy and the exact change.
type Planned struct {
	Owner    managedby.Resolution
	Strategy string
	Action   action.Action
	Change   v1alpha1.Change
	// Estimate is how long the workflow should take: a rollout and the verification window.
	Estimate time.Duration
}

// Outline says how the workflow's target is deployed and which strategy would act, from the
// resolver's cache, without choosing the action or computing the change: what a request's
// answer needs while the executor does the real planning. A refusal is an *action.Refusal.
func (e *Executor) Outline(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (Planned, error) {
	owner, err := e.resolve(ctx, wf.Spec.Target)
	if err != nil {
		return Planned{}, err
	}
	p := Planned{Owner: owner}
	_, p.Strategy, err = e.strategyOrRefusal(owner)
	if err == nil && !wf.Spec.DryRun {
		p.Estimate = rolloutAllowance + e.opts.VerifyWindow
	}
	return p, err
}

func (e *Executor) strategyOrRefusal(owner managedby.Resolution) (Strategy, string, error) {
	s, name, r := e.strategyFor(owner)
	if r != nil {
		return nil, name, r
	}
	return s, name, nil
}

// resolve resolves the target; a target that cannot be found or looked up is a refusal.
func (e *Executor) resolve(ctx context.Context, target v1alpha1.Target) (managedby.Resolution, error) {
	if target.Kind == "Node" {
		// A node has no owner that deploys it; the node strategy acts on it directly.
		node := managedby.Object{APIVersion: "v1", Kind: "Node", Name: target.Name}
		return managedby.Resolution{Result: managedby.Result{Method: managedby.Manual, Confidence: 1, Details: map[string]string{},
			Evidence: []managedby.Evidence{{Kind: "infrastructure", Detail: "a Node: the node strategy cordons and drains it"}}},
			Target: node, Workload: node, Top: node}, nil
	}
	owner, err := e.Resolver.Resolve(ctx, target)
	switch {
	case errors.Is(err, managedby.ErrTargetNotFound):
		return owner, action.Refuse(v1alpha1.ReasonTargetNotFound, false, "%s does not exist", target)
	case errors.Is(err, managedby.ErrUnknownKind), errors.Is(err, managedby.ErrInvalidTarget):
		return owner, action.Refuse(v1alpha1.ReasonPlanFailed, false, "%v", err)
	case err != nil:
		return owner, fmt.Errorf("resolve %s: %w", target, err)
	}
	return owner, nil
}

// Preview plans what the workflow would do without recording or changing anything. A refusal
// is an *action.Refusal; Planned.Owner is filled whenever the target was resolved.
func (e *Executor) Preview(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (Planned, error) {
	owner, err := e.resolve(ctx, wf.Spec.Target)
	if err != nil {
		return Planned{}, err
	}
	p := Planned{Owner: owner}
	act, err := choose(ctx, wf, owner, e.Rollout)
	p.Action = act
	if err != nil {
		return p, err
	}
	if !wf.Spec.DryRun {
		if r := e.repeated(wf); r != nil {
			return p, r
		}
	}
	strategy, name, r := e.strategyFor(owner)
	p.Strategy = name
	if r != nil {
		return p, r
	}
	if p.Change, err = strategy.Plan(ctx, act, owner); err != nil {
		return p, err
	}
	if !wf.Spec.DryRun {
		p.Estimate = rolloutAllowance + e.opts.VerifyWindow
		return p, nil
	}
	// A dry run is judged by the safety gate too (it holds no lock and uses no budget), so its
	// answer says whether the action would be allowed now.
	judged := p.Action
	judged.Target = v1alpha1.Target{Kind: p.Change.Object.Kind, Namespace: p.Change.Object.Namespace, Name: p.Change.Object.Name}
	judged.DryRun = true
	if _, err := e.Gate.Admit(ctx, judged, owner); err != nil {
		return p, err
	}
	return p, nil
}

// plan records the workflow's plan, or finishes it when the action is refused, and goes on to
// admission at once.
func (e *Executor) plan(ctx context.Context, wf *v1alpha1.RemediationWorkflow) (ctrl.Result, error) {
	p, err := e.Preview(ctx, wf)
	if err != nil {
		return e.planError(ctx, wf, p, err)
	}
	e.reset(wf.Name, planFailures)
	logr.FromContextOrDiscard(ctx).V(1).Info("Planned", "action", p.Action.Type, "strategy", p.Strategy, "deploymentMethod", p.Owner.Method)
	if res, held, err := e.hold(ctx, wf, p); held {
		return res, err
	}
	if !wf.Spec.DryRun {
		// The plan is recorded with the admission's outcome, in one write.
		return e.admit(ctx, wf, &p)
	}
	return e.finishPlannedDryRun(ctx, wf, p)
}

// finishPlannedDryRun records a dry run's plan, skipped, and finishes it.
func (e *Executor) finishPlannedDryRun(ctx context.Context, wf *v1alpha1.RemediationWorkflow, p Planned) (ctrl.Result, error) {
	now := metav1.NewTime(e.now().UTC())
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		recordPlan(w, p)
		w.Status.Steps[0].Status = stepSkipped
		w.Status.Checkpoints[0].Status = stepSkipped
		w.Status.StartedAt = &now
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	return e.finishDryRun(ctx, wf, p.Change)
}

// planError ends the workflow on a refusal, and on an error that has not gone away for
// ApplyTimeout (an API error): the incident goes back to people instead of being retried for
// ever. A shorter-lived error is retried with backoff.
func (e *Executor) planError(ctx context.Context, wf *v1alpha1.RemediationWorkflow, p Planned, err error) (ctrl.Result, error) {
	var refusal *action.Refusal
	switch {
	case errors.As(err, &refusal) && askFirst(refusal, p):
		return e.askApproval(ctx, wf, p, refusal)
	case errors.As(err, &refusal) && waitAtPlan[refusal.Reason] && e.since(wf.Name, planFailures, e.now()) < e.opts.ApplyTimeout:
		// The owner is busy for a while (a Helm operation in progress): plan again shortly.
		logr.FromContextOrDiscard(ctx).Info("Cannot plan yet; waiting", "reason", refusal.Reason, "message", refusal.Message)
		return ctrl.Result{RequeueAfter: 2 * time.Second}, nil
	case errors.As(err, &refusal) && refusal.Reason == reasonNoExecution:
		// The Python engine's bookkeeping actions: done, with nothing to change.
		return e.stop(ctx, wf, p, v1alpha1.WorkflowCompleted, refusal.Reason, refusal.Message, false)
	case errors.As(err, &refusal):
		return e.stop(ctx, wf, p, v1alpha1.WorkflowFailed, refusal.Reason, refusal.Message, true)
	case e.since(wf.Name, planFailures, e.now()) >= e.opts.ApplyTimeout:
		return e.stop(ctx, wf, p, v1alpha1.WorkflowFailed, v1alpha1.ReasonPlanFailed,
			"could not plan within "+e.opts.ApplyTimeout.String()+": "+err.Error(), true)
	}
	return ctrl.Result{}, err
}

// waitAtPlan are the retryable refusals planning waits out (up to ApplyTimeout) instead of
// failing: they go away on their own.
var waitAtPlan = map[string]bool{v1alpha1.ReasonReleasePending: true}

// askFirst says a refusal asks for a person rather than ending the workflow: the strategy
// computed the change but may not make it on its own (a Git repository the engine cannot write).
func askFirst(r *action.Refusal, p Planned) bool {
	return r.Reason == v1alpha1.ReasonRepositoryReadOnly && p.Change.Object.Name != ""
}

// askApproval records the plan with its proposed change (the diff) and waits for a person. A dry
// run finishes with the change instead: it asked what would happen, and this is it.
func (e *Executor) askApproval(ctx context.Context, wf *v1alpha1.RemediationWorkflow, p Planned, r *action.Refusal) (ctrl.Result, error) {
	if wf.Spec.DryRun {
		p.Change.Summary += " (the engine cannot make it on its own: " + r.Message + ")"
		return e.finishPlannedDryRun(ctx, wf, p)
	}
	logr.FromContextOrDiscard(ctx).Info("Waiting for approval", "reason", r.Reason, "action", p.Action.Type)
	return e.ignoreFinished(e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		ensurePlan(w, &p)
		recordOwner(w, p)
		w.Status.Phase = v1alpha1.WorkflowAwaitingApproval
		workflow.SetCondition(w, v1alpha1.ConditionAdmitted, metav1.ConditionFalse, r.Reason, r.Message)
	}))
}

// recordPlan writes the plan: the owner, one pending step with its exact change, and the
// checkpoint after it.
func recordPlan(w *v1alpha1.RemediationWorkflow, p Planned) {
	change := p.Change
	recordOwner(w, p)
	workload := refOf(p.Owner.Workload)
	w.Status.Workload = &workload
	w.Status.Layers = []string{layerApplication}
	w.Status.Steps = []v1alpha1.Step{{Order: 1, Layer: layerApplication, Action: string(p.Action.Type),
		Description: change.Summary, Status: stepPending, Change: &change}}
	w.Status.Checkpoints = []v1alpha1.Checkpoint{{Layer: layerApplication, AfterStep: 1, Status: checkpointPending}}
	workflow.SetCondition(w, v1alpha1.ConditionExecuted, metav1.ConditionFalse, v1alpha1.ReasonPlanned, "planned: "+change.Summary)
}

const layerApplication = "application"

// rolloutAllowance is the typical time a workload takes to roll out a change, for estimates.
const rolloutAllowance = 30 * time.Second

// recordOwner writes the deployment method, the strategy and the evidence.
func recordOwner(w *v1alpha1.RemediationWorkflow, p Planned) {
	if p.Owner.Method == "" {
		return
	}
	w.Status.DeploymentMethod = string(p.Owner.Method)
	w.Status.Strategy = p.Strategy
	w.Status.Evidence = w.Status.Evidence[:0]
	for _, ev := range p.Owner.Evidence {
		w.Status.Evidence = append(w.Status.Evidence, fmt.Sprintf("%s: %s", ev.Kind, ev.Detail))
	}
}

// finishDryRun has the API server judge the change without making it, then completes.
func (e *Executor) finishDryRun(ctx context.Context, wf *v1alpha1.RemediationWorkflow, change v1alpha1.Change) (ctrl.Result, error) {
	phase, reason, msg := v1alpha1.WorkflowCompleted, v1alpha1.ReasonDryRun, "dry run: nothing was changed; the change would be: "+change.Summary
	if change.Operation != v1alpha1.OperationExternal && e.DryRunner != nil {
		if err := e.DryRunner.DryRun(ctx, change); err != nil {
			phase, reason, msg = v1alpha1.WorkflowFailed, v1alpha1.ReasonApplyFailed, "dry run: the API server would refuse the change: "+err.Error()
		}
	}
	return e.ignoreFinished(e.update(ctx, wf, e.finish(wf, phase, reason, msg)))
}

// stop finishes a workflow that acted on nothing, emits a refusal Event on the target and, when
// escalate is set, hands the incident back to people.
func (e *Executor) stop(ctx context.Context, wf *v1alpha1.RemediationWorkflow, p Planned, phase v1alpha1.WorkflowPhase,
	reason, message string, escalate bool) (ctrl.Result, error) {
	// The incident first: when the workflow's final write then fails, the retry escalates again,
	// which changes nothing the second time; the other way round the escalation could be lost.
	if escalate && !wf.Spec.DryRun {
		if err := e.escalate(ctx, wf, v1alpha1.ReasonEscalated, reason+": "+message); err != nil {
			return ctrl.Result{}, err
		}
	}
	err := e.update(ctx, wf, func(w *v1alpha1.RemediationWorkflow) {
		if p.Change.Object.Name != "" {
			ensurePlan(w, &p)
		}
		recordOwner(w, p)
		e.finish(w, phase, reason, message)(w)
	})
	if err != nil {
		return e.ignoreFinished(err)
	}
	logr.FromContextOrDiscard(ctx).Info("Not remediating", "reason", reason, "message", message)
	if p.Owner.Workload.Name != "" && e.Notifier != nil {
		e.Notifier.Refused(refOf(p.Owner.Workload), p.Action, errors.New(reason+": "+message))
	}
	return ctrl.Result{}, nil
}

func (e *Executor) ignoreFinished(err error) (ctrl.Result, error) {
	if errors.Is(err, workflow.ErrFinished) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, err
}

// strategyFor picks the strategy for the target's deployment method, or says why none may act.
func (e *Executor) strategyFor(owner managedby.Resolution) (Strategy, string, *action.Refusal) {
	if owner.Workload.Kind == "Node" {
		if e.Nodes == nil {
			return nil, strategyNode, action.Refuse(v1alpha1.ReasonActionNotSupported, false, "no node strategy is registered")
		}
		return e.Nodes, strategyNode, nil
	}
	name := strategyName(owner.Method)
	if s, ok := e.Strategies[owner.Method]; ok {
		return s, name, nil
	}
	d := owner.Details
	switch owner.Method {
	case managedby.ArgoCD:
		return nil, name, action.Refuse(ReasonGitOpsManaged, false, "%s is managed by Argo CD Application %q; the engine never patches GitOps-managed objects live (Argo CD would revert it): change it in Git",
			owner.Workload, d[managedby.DetailArgoCDApplication])
	case managedby.Flux:
		return nil, name, action.Refuse(ReasonGitOpsManaged, false, "%s is managed by Flux %s %q; the engine never patches GitOps-managed objects live (Flux would revert it): change it in Git",
			owner.Workload, d[managedby.DetailFluxKind], d[managedby.DetailFluxName])
	case managedby.Helm:
		return nil, name, action.Refuse(ReasonHelmManaged, false, "%s belongs to Helm release %s/%s; it must be changed through the release, and no Helm strategy is registered: nothing was changed",
			owner.Workload, d[managedby.DetailHelmNamespace], d[managedby.DetailHelmRelease])
	}
	var gaps []string
	for _, ev := range owner.Evidence {
		if ev.Kind == managedby.EvidenceGap {
			gaps = append(gaps, ev.Detail)
		}
	}
	return nil, name, action.Refuse(ReasonUnknownOwner, false, "the engine could not tell how %s is deployed (%s) and acts only when it knows",
		owner.Workload, strings.Join(gaps, "; "))
}

// strategyNode is the strategy that acts on nodes (the infrastructure layer).
const strategyNode = "node"

// strategyOf is the strategy that planned the workflow's change.
func (e *Executor) strategyOf(wf *v1alpha1.RemediationWorkflow) Strategy {
	if wf.Status.Strategy == strategyNode {
		return e.Nodes
	}
	return e.Strategies[managedbyMethod(wf)]
}

// strategyName is the strategy that serves a deployment method.
func strategyName(m managedby.Method) string {
	switch m {
	case managedby.Manual:
		return "direct"
	case managedby.Operator:
		return "operator"
	case managedby.Helm:
		return "helm"
	case managedby.ArgoCD:
		return "argocd"
	case managedby.Flux:
		return "flux"
	}
	return "none"
}

// repeated refuses when the same issue on the same target was already remediated RepeatLimit
// times within RepeatWindow: the fix keeps being reverted (or does not hold), so acting again
// would loop.
func (e *Executor) repeated(wf *v1alpha1.RemediationWorkflow) *action.Refusal {
	if e.History == nil {
		return nil
	}
	kind, _ := issue.Normalize(wf.Spec.Issue.Type)
	since := e.now().Add(-e.opts.RepeatWindow)
	n := 0
	e.History.Each(func(o *v1alpha1.RemediationWorkflow) bool {
		if o.Name == wf.Name || o.Spec.DryRun || o.Spec.Target != wf.Spec.Target || o.CreationTimestamp.Time.Before(since) {
			return true
		}
		if k, _ := issue.Normalize(o.Spec.Issue.Type); k == kind && outcomeOf(o) == guardrail.Applied {
			n++
		}
		return true
	})
	if n >= e.opts.RepeatLimit {
		return action.Refuse(v1alpha1.ReasonReverted, false, "%s on %s was remediated %d times in the last %s and keeps coming back (the fix is reverted or does not hold); escalating instead of acting again",
			wf.Spec.Issue.Type, wf.Spec.Target, n, e.opts.RepeatWindow)
	}
	return nil
}

func refOf(o managedby.Object) v1alpha1.ObjectRef {
	return v1alpha1.ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

func managedbyMethod(wf *v1alpha1.RemediationWorkflow) managedby.Method {
	return managedby.Method(wf.Status.DeploymentMethod)
}
