package remediation

import (
	"context"
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
	Escalate(ctx context.Context, id, reason, message string) (*v1alpha1.Incident, error)
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
}

// Executor carries out RemediationWorkflows, one reconcile at a time per workflow.
type Executor struct {
	ExecutorDeps
	opts ExecutorOptions
	log  logr.Logger
	now  func() time.Time

	mu      sync.Mutex
	permits map[string]*guardrail.Permit
	healthy map[string]healthyRun
}

// healthyRun is when a workflow's target was first seen healthy in the current run of healthy
// looks, and the restart count then.
type healthyRun struct {
	since    time.Time
	restarts int64
}

// NewExecutor returns an executor; SetupWithManager registers it.
func NewExecutor(deps ExecutorDeps, opts ExecutorOptions, log logr.Logger) *Executor {
	return &Executor{ExecutorDeps: deps, opts: opts.withDefaults(), log: log, now: time.Now,
		permits: map[string]*guardrail.Permit{}, healthy: map[string]healthyRun{}}
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
	var wf v1alpha1.RemediationWorkflow
	if err := e.Client.Get(ctx, req.NamespacedName, &wf); err != nil {
		if apierrors.IsNotFound(err) {
			e.forget(req.Name, guardrail.NotApplied)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get workflow %s: %w", req.Name, err)
	}
	if wf.Phase().Finished() {
		e.forget(wf.Name, outcomeOf(&wf))
		return ctrl.Result{}, nil
	}
	log := e.log.WithValues("workflow", wf.Name, "incident", wf.Spec.IncidentRef, "target", wf.Spec.Target.String())
	ctx = logr.NewContext(ctx, log)
	step := firstStep(&wf)
	switch {
	case step == nil:
		return e.plan(ctx, &wf)
	case step.Status == stepPending:
		return e.admit(ctx, &wf, nil)
	case step.Status == stepRunning:
		return e.apply(ctx, &wf)
	case step.Status == stepCompleted:
		return e.verify(ctx, &wf)
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

// permit returns the workflow's live permit, if this process holds one.
func (e *Executor) permit(name string) *guardrail.Permit {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.permits[name]
}

func (e *Executor) keep(name string, p *guardrail.Permit) {
	e.mu.Lock()
	_, had := e.permits[name]
	e.permits[name] = p
	e.mu.Unlock()
	if !had && e.Metrics != nil {
		e.Metrics.ActiveActions.Inc()
	}
}

// forget releases the workflow's permit with the outcome and drops its verification state.
func (e *Executor) forget(name string, o guardrail.Outcome) {
	e.mu.Lock()
	p := e.permits[name]
	delete(e.permits, name)
	delete(e.healthy, name)
	e.mu.Unlock()
	if p != nil {
		p.Done(o)
		if e.Metrics != nil {
			e.Metrics.ActiveActions.Dec()
		}
	}
}

// outcomeOf says whether a finished workflow changed the cluster.
func outcomeOf(wf *v1alpha1.RemediationWorkflow) guardrail.Outcome {
	if s := firstStep(wf); s != nil && (s.Status == stepCompleted || s.Status == stepRunning || s.Undone) {
		return guardrail.Applied
	}
	return guardrail.NotApplied
}
