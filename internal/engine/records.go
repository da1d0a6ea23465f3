package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/incident"
	"selfhealing.dev/coordination-engine/internal/projection"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/retention"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// newScheme knows the built-in kinds and the engine's own.
func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("register built-in kinds: %w", err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("register engine kinds: %w", err)
	}
	return s, nil
}

// cacheOptions watches the engine's resources only in its namespace and drops managedFields from
// every cached object, which keeps memory small.
func cacheOptions(namespace string) cache.Options {
	only := map[string]cache.Config{namespace: {}}
	return cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&v1alpha1.Incident{}:            {Namespaces: only},
			&v1alpha1.RemediationWorkflow{}: {Namespaces: only},
		},
	}
}

// records are the durable incident and workflow records and the services over them.
type records struct {
	incidentIndex *projection.Index[*v1alpha1.Incident]
	workflowIndex *projection.Index[*v1alpha1.RemediationWorkflow]
	incidents     *incident.Service
	workflows     *workflow.Service
	// requests is set by build, once the executor that previews plans exists.
	requests *remediation.Requests
	pruner   *retention.Pruner
}

func newRecords(cfg config.Options, mgr manager.Manager, log logr.Logger) *records {
	r := &records{
		incidentIndex: projection.New[*v1alpha1.Incident](),
		workflowIndex: projection.New[*v1alpha1.RemediationWorkflow](),
	}
	r.incidents = incident.NewService(mgr.GetClient(), mgr.GetAPIReader(), r.incidentIndex, cfg.Namespace, log.WithName("incident"))
	r.workflows = workflow.NewService(mgr.GetClient(), mgr.GetAPIReader(), r.workflowIndex, cfg.Namespace)
	r.pruner = retention.NewPruner(mgr.GetClient(), r.incidentIndex, r.workflowIndex, retention.Policy{
		MaxAge: cfg.RetentionMaxAge, MaxCount: cfg.RetentionMaxCount, Interval: cfg.RetentionInterval}, log.WithName("retention"))
	return r
}

// start feeds the indexes from the manager's cache in wg and registers the leader-only pruner.
func (r *records) start(ctx context.Context, wg *sync.WaitGroup, mgr manager.Manager, log logr.Logger) error {
	wg.Go(func() { r.incidentIndex.Feed(ctx, mgr.GetCache(), &v1alpha1.Incident{}, log.WithName("incidents")) })
	wg.Go(func() {
		r.workflowIndex.Feed(ctx, mgr.GetCache(), &v1alpha1.RemediationWorkflow{}, log.WithName("workflows"))
	})
	if err := mgr.Add(r.pruner); err != nil {
		return fmt.Errorf("add pruner: %w", err)
	}
	return nil
}

// workflowPhaseCounts counts the workflow records by phase, for the metrics.
func (r *records) workflowPhaseCounts() map[string]int {
	_, _, c := r.workflows.List("", 0, 0)
	return map[string]int{"pending": c.Pending, "running": c.Running, "awaiting_approval": c.AwaitingApproval,
		"completed": c.Completed, "failed": c.Failed, "cancelled": c.Cancelled}
}
