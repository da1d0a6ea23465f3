// Package retention removes finished Incidents and RemediationWorkflows: those finished longer
// ago than the maximum age, and the oldest finished ones beyond the maximum count. Active objects
// are never removed. Only the leader prunes.
package retention

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/projection"
)

// Policy says what to keep.
type Policy struct {
	// MaxAge removes objects finished longer ago than this.
	MaxAge time.Duration
	// MaxCount keeps at most this many finished objects of each kind.
	MaxCount int
	// Interval is how often to prune.
	Interval time.Duration
}

// Pruner removes finished objects according to a policy.
type Pruner struct {
	deleter   client.Writer
	incidents *projection.Index[*v1alpha1.Incident]
	workflows *projection.Index[*v1alpha1.RemediationWorkflow]
	policy    Policy
	now       func() time.Time
	log       logr.Logger
}

// NewPruner returns a Pruner that reads the indexes and deletes through deleter.
func NewPruner(deleter client.Writer, incidents *projection.Index[*v1alpha1.Incident],
	workflows *projection.Index[*v1alpha1.RemediationWorkflow], p Policy, log logr.Logger) *Pruner {
	return &Pruner{deleter: deleter, incidents: incidents, workflows: workflows, policy: p, now: time.Now, log: log}
}

// Start prunes every interval until ctx ends (a manager.Runnable that needs leader election).
func (p *Pruner) Start(ctx context.Context) error {
	t := time.NewTicker(p.policy.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if n, err := p.Prune(ctx); err != nil {
				p.log.Error(err, "Pruning finished objects failed", "deleted", n)
			} else if n > 0 {
				p.log.Info("Pruned finished objects", "deleted", n)
			}
		}
	}
}

// finished is an object that reached a final phase, with when.
type finished struct {
	obj client.Object
	at  time.Time
}

// Prune deletes what the policy no longer keeps and returns how many objects it deleted.
func (p *Pruner) Prune(ctx context.Context) (int, error) {
	var incs, wfs []finished
	p.incidents.Each(func(i *v1alpha1.Incident) bool {
		if i.Phase().Finished() {
			incs = append(incs, finished{i, finishedAt(i.Status.CompletedAt, i.CreationTimestamp)})
		}
		return true
	})
	p.workflows.Each(func(w *v1alpha1.RemediationWorkflow) bool {
		if w.Phase().Finished() {
			wfs = append(wfs, finished{w, finishedAt(w.Status.CompletedAt, w.CreationTimestamp)})
		}
		return true
	})
	deleted := 0
	for _, set := range [][]finished{incs, wfs} {
		for _, f := range p.expired(set) {
			if err := p.delete(ctx, f.obj); err != nil {
				return deleted, err
			}
			deleted++
		}
	}
	return deleted, nil
}

// expired picks, from finished objects, those older than MaxAge and the oldest beyond MaxCount.
func (p *Pruner) expired(set []finished) []finished {
	slices.SortFunc(set, func(a, b finished) int { return b.at.Compare(a.at) }) // newest first
	cutoff := p.now().Add(-p.policy.MaxAge)
	var out []finished
	for i, f := range set {
		if i >= p.policy.MaxCount || f.at.Before(cutoff) {
			out = append(out, f)
		}
	}
	return out
}

func finishedAt(completed *metav1.Time, created metav1.Time) time.Time {
	if completed != nil {
		return completed.Time
	}
	return created.Time
}

// delete removes obj only if it has not changed since it was read (a reopened incident stays).
func (p *Pruner) delete(ctx context.Context, obj client.Object) error {
	rv := obj.GetResourceVersion()
	err := p.deleter.Delete(ctx, obj, client.Preconditions{ResourceVersion: &rv})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", obj.GetName(), err)
	}
	return nil
}
