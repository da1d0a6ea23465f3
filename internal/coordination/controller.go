package coordination

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/clusterstate"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// Workflows records the child workflows (workflow.Service).
type Workflows interface {
	Record(ctx context.Context, r workflow.Request) (*v1alpha1.RemediationWorkflow, bool, error)
}

// Incidents moves the coordination's incident along (incident.Service).
type Incidents interface {
	Start(ctx context.Context, id string) (*v1alpha1.Incident, error)
	Resolve(ctx context.Context, id, message string) (*v1alpha1.Incident, error)
	// Escalate hands the incident back to people, once per workflow (its UID).
	Escalate(ctx context.Context, id, workflow, reason, message string) (*v1alpha1.Incident, error)
	Reopen(ctx context.Context, id, message string) (*v1alpha1.Incident, error)
}

// Platform is what the platform layer says now (clusterstate.Reader).
type Platform interface {
	Busy(ctx context.Context) (string, error)
	DegradedOperators(ctx context.Context) ([]clusterstate.Operator, error)
	Pool(ctx context.Context, node *corev1.Node) (clusterstate.PoolState, error)
}

var _ Platform = (*clusterstate.Reader)(nil)

// Options tune the Controller. Zero values take the defaults.
type Options struct {
	// CheckTimeout is how long a check step (a ClusterOperator or MachineConfigPool to recover)
	// or a checkpoint's platform checks may wait before they fail. Default 10m.
	CheckTimeout time.Duration
	// Interval is how often a waiting workflow looks again; children's changes wake it at once.
	// Default 5s.
	Interval time.Duration
	// Workers is how many coordination workflows are reconciled at once. Default 2.
	Workers int
}

func (o Options) withDefaults() Options {
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 10 * time.Minute
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	return o
}

// ControllerDeps are the Controller's collaborators.
type ControllerDeps struct {
	// Client reads workflows from the cache and writes the coordination workflows' status.
	Client client.Client
	// APIReader reads fresh: a workflow whose status write conflicted or that the cache has not
	// seen yet, Nodes and MachineConfigPools.
	APIReader client.Reader
	Workflows Workflows
	Incidents Incidents
	Platform  Platform
}

// Controller carries out coordination workflows (RemediationWorkflows with a spec.plan).
type Controller struct {
	ControllerDeps
	opts Options
	log  logr.Logger
	now  func() time.Time
}

// NewController returns a Controller; SetupWithManager registers it.
func NewController(deps ControllerDeps, opts Options, log logr.Logger) *Controller {
	return &Controller{ControllerDeps: deps, opts: opts.withDefaults(), log: log, now: time.Now}
}

// SetupWithManager runs the Controller as a leader-only controller of the manager: it reconciles
// workflows with a plan, and a child workflow's change wakes its parent (spec.parentRef).
func (c *Controller) SetupWithManager(mgr ctrl.Manager) error {
	hasPlan := predicate.NewPredicateFuncs(func(o client.Object) bool {
		wf, ok := o.(*v1alpha1.RemediationWorkflow)
		return ok && len(wf.Spec.Plan) > 0
	})
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.RemediationWorkflow{}, builder.WithPredicates(hasPlan)).
		Watches(&v1alpha1.RemediationWorkflow{}, handler.EnqueueRequestsFromMapFunc(parentOf)).
		Named("coordination").
		// Controller names are checked process-wide; an engine may run more than once in a
		// process (its tests do), each with its own manager, so the check is skipped.
		WithOptions(controller.Options{MaxConcurrentReconciles: c.opts.Workers, SkipNameValidation: ptr.To(true)}).
		Complete(c)
}

// parentOf maps a child workflow to the coordination workflow it is a step of.
func parentOf(_ context.Context, o client.Object) []reconcile.Request {
	wf, ok := o.(*v1alpha1.RemediationWorkflow)
	if !ok || wf.Spec.ParentRef == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: wf.Namespace, Name: wf.Spec.ParentRef}}}
}

// Reconcile takes a coordination workflow as far as it can go now: it lays out the steps and
// checkpoints on first sight, starts or checks the current layer's steps, runs the layer's
// checkpoint once they are done, and finishes the workflow when a step or checkpoint failed (the
// incident is escalated) or every checkpoint passed (the incident is resolved). It requeues while
// it waits. Workflows without a plan, and finished ones, are left alone.
func (c *Controller) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var wf v1alpha1.RemediationWorkflow
	if err := c.Client.Get(ctx, req.NamespacedName, &wf); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(fmt.Errorf("get workflow %s: %w", req.Name, err))
	}
	if len(wf.Spec.Plan) == 0 || wf.Phase().Finished() {
		return ctrl.Result{}, nil
	}
	log := c.log.WithValues("workflow", wf.Name, "incident", wf.Spec.IncidentRef)
	ctx = logr.NewContext(ctx, log)
	if len(wf.Status.Steps) == 0 {
		if err := c.lay(ctx, &wf); err != nil {
			return ignoreFinished(err)
		}
		log.Info("Coordinating", "layers", wf.Status.Layers, "steps", len(wf.Status.Steps))
	}
	res, err := c.advance(ctx, &wf)
	if err != nil {
		return ignoreFinished(err)
	}
	return res, nil
}

// ignoreFinished ends a reconcile quietly when the workflow was finished elsewhere meanwhile.
func ignoreFinished(err error) (ctrl.Result, error) {
	if errors.Is(err, workflow.ErrFinished) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, err
}

// childOf reads a child workflow from the cache, else fresh (the cache may not have seen a child
// just recorded). It returns nil, nil when the child does not exist.
func (c *Controller) childOf(ctx context.Context, namespace, name string) (*v1alpha1.RemediationWorkflow, error) {
	var child v1alpha1.RemediationWorkflow
	key := client.ObjectKey{Namespace: namespace, Name: name}
	err := c.Client.Get(ctx, key, &child)
	if apierrors.IsNotFound(err) {
		err = c.APIReader.Get(ctx, key, &child)
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read child workflow %s: %w", name, err)
	}
	return &child, nil
}
