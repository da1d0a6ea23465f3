package node

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Name is the strategy's name, recorded in Change.Strategy.
const Name = "node"

// Writer is the part of the guardrail's *guardrail.Writer the strategy changes the cluster
// with: every change under a live permit.
type Writer interface {
	// Apply makes ch (a patch or an eviction) under p.
	Apply(ctx context.Context, p *guardrail.Permit, ch v1alpha1.Change) error
	// Undo applies ch's undo patch under p.
	Undo(ctx context.Context, p *guardrail.Permit, ch v1alpha1.Change) error
}

// Strategy cordons and drains nodes.
type Strategy struct {
	reader client.Reader
	writer Writer
	opts   Options
	clock  func() time.Time
}

var (
	_ remediation.Strategy = (*Strategy)(nil)
	_ remediation.Follower = (*Strategy)(nil)
)

// New returns the node strategy. reader reads nodes, pods (listed by spec.nodeName, which an
// uncached reader answers at the API server) and PodDisruptionBudgets; writer makes the changes;
// clock tells how long pods have been terminating (time.Now when nil).
func New(reader client.Reader, writer Writer, opts Options, clock func() time.Time) *Strategy {
	if clock == nil {
		clock = time.Now
	}
	return &Strategy{reader: reader, writer: writer, opts: opts.withDefaults(), clock: clock}
}

// Plan computes the change that cordons (or drains) owner.Workload, a Node, and changes nothing.
// It returns an *action.Refusal for an action other than cordon and drain
// (ReasonActionNotSupported), a target that is not a Node (ReasonUnsupportedTarget) or a node
// that does not exist (ReasonTargetNotFound); other errors are read failures. A node someone
// else cordoned yields a change without undo.
func (s *Strategy) Plan(ctx context.Context, act action.Action, owner managedby.Resolution) (v1alpha1.Change, error) {
	if act.Type != action.Cordon && act.Type != action.Drain {
		return v1alpha1.Change{}, action.Refuse(ReasonActionNotSupported, false, "the node strategy carries out cordon and drain, not %s", act.Type)
	}
	w := owner.Workload
	if w.Kind != "Node" || w.Namespace != "" || w.Name == "" {
		return v1alpha1.Change{}, action.Refuse(ReasonUnsupportedTarget, false, "%s is not a Node: only nodes are cordoned or drained", w)
	}
	n, err := s.getNode(ctx, w.Name)
	if apierrors.IsNotFound(err) {
		return v1alpha1.Change{}, action.Refuse(ReasonTargetNotFound, false, "node %s does not exist", w.Name)
	}
	if err != nil {
		return v1alpha1.Change{}, err
	}
	c, err := planCordon(n, act.Workflow)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	ch := c.change
	if act.Type == action.Drain {
		pods, err := s.podsOn(ctx, n.Name)
		if err != nil {
			return v1alpha1.Change{}, err
		}
		ch.Summary = drainSummary(c, pods)
		ch.Diff += "\n" + drainDiff(n.Name, pods)
	}
	ch.Strategy = Name
	return ch, nil
}

// Apply cordons the node of change under p, unless it is already in the planned state, and,
// when p's action is a drain, evicts the node's evictable pods through the Writer (see drain).
// Applying the same change again evicts only what is left. It returns p's refusal when p is
// not live, the Writer's errors, and a retryable *action.Refusal (ReasonDrainBlocked) while
// pods remain.
func (s *Strategy) Apply(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change) error {
	if err := p.Live(); err != nil {
		return err
	}
	if err := own(change); err != nil {
		return fmt.Errorf("apply %s: %w", change.Summary, err)
	}
	n, err := s.getNode(ctx, change.Object.Name)
	if err != nil {
		return err
	}
	if !inEffect(n, change) {
		if err := s.writer.Apply(ctx, p, change); err != nil {
			return err
		}
	}
	if p.Action().Type != action.Drain {
		return nil
	}
	return s.drain(ctx, p, n.Name)
}

// Undo uncordons the node of change under p with its recorded undo patch (which removes
// spec.unschedulable and the cordoned-by annotation). A change without undo (a node someone
// else cordoned) returns an error wrapping ErrNotUndoable. Evicted pods are not brought back.
func (s *Strategy) Undo(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change) error {
	if err := own(change); err != nil {
		return fmt.Errorf("undo %s: %w", change.Summary, err)
	}
	if change.Undo == "" {
		return fmt.Errorf("undo %s: %w", change.Summary, ErrNotUndoable)
	}
	return s.writer.Undo(ctx, p, change)
}

// own checks that change was planned by this strategy for a Node.
func own(change v1alpha1.Change) error {
	if change.Strategy != Name || change.Object.Kind != "Node" || change.Object.Name == "" {
		return ErrForeignChange
	}
	return nil
}

func (s *Strategy) getNode(ctx context.Context, name string) (*corev1.Node, error) {
	var n corev1.Node
	if err := s.reader.Get(ctx, client.ObjectKey{Name: name}, &n); err != nil {
		return nil, fmt.Errorf("get node %s: %w", name, err)
	}
	return &n, nil
}
