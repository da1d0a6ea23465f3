package remediation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// Resolver finds how a target is deployed.
type Resolver interface {
	Resolve(ctx context.Context, target v1alpha1.Target) (managedby.Resolution, error)
}

// Gate admits actions; refusals are *action.Refusal.
type Gate interface {
	Admit(ctx context.Context, act action.Action, owner managedby.Resolution) (*guardrail.Permit, error)
}

// Notifier emits Events on targets for what the executor decides without changing them.
type Notifier interface {
	Refused(obj v1alpha1.ObjectRef, act action.Action, why error)
	Failed(obj v1alpha1.ObjectRef, act action.Action, why string)
}

// IncidentOutcomes moves incidents along as their workflows progress.
type IncidentOutcomes interface {
	Start(ctx context.Context, id string) (*v1alpha1.Incident, error)
	Resolve(ctx context.Context, id, message string) (*v1alpha1.Incident, error)
	// Escalate hands the incident back to people; escalating again for the same workflow (its
	// UID) changes nothing more.
	Escalate(ctx context.Context, id, workflow, reason, message string) (*v1alpha1.Incident, error)
}

// History lists the recorded workflows (the informer-fed index).
type History interface {
	Each(fn func(*v1alpha1.RemediationWorkflow) bool)
}

// DryRunner has the API server judge a change without making it.
type DryRunner interface {
	DryRun(ctx context.Context, change v1alpha1.Change) error
}

// HealthChecker looks at a workload's health.
type HealthChecker interface {
	Check(ctx context.Context, w managedby.Object) (Health, error)
}

// ExecutorDeps are the executor's collaborators.
type ExecutorDeps struct {
	// Client reads (from the cache) and writes the engine's own RemediationWorkflows.
	Client client.Client
	// APIReader reads workflows fresh when a status write conflicts.
	APIReader  client.Reader
	Resolver   Resolver
	Gate       Gate
	Notifier   Notifier
	DryRunner  DryRunner
	Incidents  IncidentOutcomes
	History    History
	Health     HealthChecker
	Rollout    RolloutReader
	Metrics    *telemetry.Metrics
	Strategies map[managedby.Method]Strategy
	// Nodes is the strategy for Node targets (cordon, drain); nil refuses them.
	Nodes Strategy
	// Platform holds workflows back while the platform layer is busy; nil never holds.
	Platform Platform
	// Ready, when set, holds every workflow back until it returns true: the engine seeds the
	// gate's history from the recorded workflows first.
	Ready func() bool
}

// Executor carries out RemediationWorkflows, one reconcile at a time per workflow.
type Executor struct {
	ExecutorDeps
	opts ExecutorOptions
	log  logr.Logger
	now  func() time.Time

	mu       sync.Mutex
	runs     map[string]*run
	resuming map[string]bool
	resumeBy time.Time
}

// NewExecutor returns an executor; SetupWithManager registers it.
func NewExecutor(deps ExecutorDeps, opts ExecutorOptions, log logr.Logger) *Executor {
	return &Executor{ExecutorDeps: deps, opts: opts.withDefaults(), log: log, now: time.Now,
		runs: map[string]*run{}, resuming: map[string]bool{}}
}

// Workers is how many workflows are reconciled at once.
func (e *Executor) Workers() int { return e.opts.Workers }

// SetupWithManager runs the executor as the manager's leader-only RemediationWorkflow controller.
func (e *Executor) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.RemediationWorkflow{}).
		Named("remediationworkflow").
		// Controller names are checked process-wide; an engine may run more than once in a process
		// (its tests do), each with its own manager, so the check is skipped.
		WithOptions(controller.Options{MaxConcurrentReconciles: e.opts.Workers, SkipNameValidation: ptr.To(true)}).
		Complete(e)
}

// Reconcile takes the workflow's next step: plan, admit and apply, or verify.
func (e *Executor) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if e.Ready != nil && !e.Ready() {
		return ctrl.Result{RequeueAfter: 200 * time.Millisecond}, nil
	}
	var wf v1alpha1.RemediationWorkflow
	if err := e.Client.Get(ctx, req.NamespacedName, &wf); err != nil {
		if apierrors.IsNotFound(err) {
			e.drop(req.Name, guardrail.NotApplied)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get workflow %s: %w", req.Name, err)
	}
	if wf.Phase().Finished() {
		e.drop(wf.Name, outcomeOf(&wf))
		return ctrl.Result{}, nil
	}
	if len(wf.Spec.Plan) > 0 {
		return ctrl.Result{}, nil // a coordination workflow: the coordinator carries it out
	}
	e.adopt(wf.Name, wf.UID)
	log := e.log.WithValues("workflow", wf.Name, "incident", wf.Spec.IncidentRef, "target", wf.Spec.Target.String())
	ctx = logr.NewContext(ctx, log)
	step := firstStep(&wf)
	if f := e.decidedFailure(wf.Name); f != nil && step != nil {
		// A failure was decided; record it, and act no further.
		return e.failStep(ctx, &wf, f.phase, f.reason, f.message, f.escalate)
	}
	switch {
	case step == nil:
		return e.plan(ctx, &wf)
	case step.Status == stepPending:
		return e.admit(ctx, &wf, nil)
	case step.Status == stepRunning:
		return e.apply(ctx, &wf)
	case step.Status == stepCompleted:
		return e.verify(ctx, &wf)
	case step.Status == stepSkipped && step.Change != nil:
		return e.finishDryRun(ctx, &wf, *step.Change) // the engine stopped between the two writes
	}
	return ctrl.Result{}, nil
}

// Step statuses.
const (
	stepPending   = "pending"
	stepRunning   = "running"
	stepCompleted = "completed"
	stepFailed    = "failed"
	stepSkipped   = "skipped"
)

// Checkpoint statuses.
const (
	checkpointPending = "pending"
	checkpointPassed  = "passed"
	checkpointFailed  = "failed"
)

func firstStep(wf *v1alpha1.RemediationWorkflow) *v1alpha1.Step {
	if len(wf.Status.Steps) == 0 {
		return nil
	}
	return &wf.Status.Steps[0]
}

// outcomeOf says whether a finished workflow changed the cluster.
func outcomeOf(wf *v1alpha1.RemediationWorkflow) guardrail.Outcome {
	if s := firstStep(wf); s != nil && (s.Status == stepCompleted || s.Status == stepRunning || s.Undone) {
		return guardrail.Applied
	}
	return guardrail.NotApplied
}

// escalate hands the workflow's incident back to people. An incident that is gone (deleted,
// pruned) has no one to hand back to: that is not an error, or the workflow could never finish.
func (e *Executor) escalate(ctx context.Context, wf *v1alpha1.RemediationWorkflow, reason, message string) error {
	if wf.Spec.ParentRef != "" {
		return nil // one step of a coordination workflow: the coordinator escalates, once
	}
	_, err := e.Incidents.Escalate(ctx, wf.Spec.IncidentRef, string(wf.UID), reason, message)
	if err != nil && !incidentGone(err) {
		return fmt.Errorf("escalate incident %s: %w", wf.Spec.IncidentRef, err)
	}
	return nil
}

// incidentGone says the workflow's incident no longer exists.
func incidentGone(err error) bool { return errors.Is(err, incident.ErrNotFound) }
