package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/projection"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// errNoMeasure means the engine has no blast-radius measure for the workload's kind.
var errNoMeasure = errors.New("no blast-radius measure")

// scopedGate measures an action's blast radius on the workload before asking the gate.
type scopedGate struct {
	gate   *guardrail.Gate
	reader client.Reader
}

var _ remediation.Gate = (*scopedGate)(nil)

// Admit measures the workload and asks the gate; a workload it cannot read is refused (fail
// closed).
func (g *scopedGate) Admit(ctx context.Context, act action.Action, owner managedby.Resolution) (*guardrail.Permit, error) {
	if act.Resumed {
		// A resumed action was measured when it was first admitted; the gate only locks it.
		return g.gate.Admit(ctx, act, guardrail.Scope{})
	}
	scope, err := g.scope(ctx, act, owner.Workload)
	if err != nil {
		// A read that failed may work later; a kind the engine cannot measure never will.
		return nil, action.Refuse(guardrail.ReasonScopeUnknown, !errors.Is(err, errNoMeasure),
			"cannot measure the blast radius of %s: %v", act, err)
	}
	return g.gate.Admit(ctx, act, scope)
}

// scope counts the workload's desired and ready replicas and how many ready ones the action
// takes out of service at once: a rollout's maxUnavailable for changes of the pod template, one
// for an eviction, none for scaling.
func (g *scopedGate) scope(ctx context.Context, act action.Action, w managedby.Object) (guardrail.Scope, error) {
	var s guardrail.Scope
	key := client.ObjectKey{Namespace: w.Namespace, Name: w.Name}
	switch w.Kind {
	case "Deployment":
		var d appsv1.Deployment
		if err := g.reader.Get(ctx, key, &d); err != nil {
			return s, fmt.Errorf("read %s: %w", w, err)
		}
		s.Desired, s.Ready = replicasOf(d.Spec.Replicas), d.Status.ReadyReplicas
		// A Recreate rollout takes every pod down at once; a rolling one takes down at most
		// maxUnavailable, counting the pods that are unavailable already.
		s.Disrupted = s.Desired
		if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
			s.Disrupted = max(0, maxUnavailable(d.Spec.Strategy.RollingUpdate, s.Desired)-(s.Desired-s.Ready))
		}
	case "StatefulSet":
		var st appsv1.StatefulSet
		if err := g.reader.Get(ctx, key, &st); err != nil {
			return s, fmt.Errorf("read %s: %w", w, err)
		}
		s.Desired, s.Ready, s.Disrupted = replicasOf(st.Spec.Replicas), st.Status.ReadyReplicas, 1
	case "DaemonSet":
		var ds appsv1.DaemonSet
		if err := g.reader.Get(ctx, key, &ds); err != nil {
			return s, fmt.Errorf("read %s: %w", w, err)
		}
		s.Desired, s.Ready, s.Disrupted = ds.Status.DesiredNumberScheduled, ds.Status.NumberReady, 1
	case "Pod":
		var p corev1.Pod
		if err := g.reader.Get(ctx, key, &p); err != nil {
			return s, fmt.Errorf("read %s: %w", w, err)
		}
		s.Desired, s.Disrupted = 1, 1
		if podIsReady(&p) {
			s.Ready = 1
		}
	case "Node":
		return g.nodeScope(ctx, w.Name)
	default:
		return s, fmt.Errorf("%w for %s", errNoMeasure, w)
	}
	switch act.Type {
	case action.Scale:
		s.Disrupted = 0
	case action.Evict:
		// An eviction takes out the one pod it evicts, if that pod is serving.
		var p corev1.Pod
		if err := g.reader.Get(ctx, client.ObjectKey{Namespace: act.Target.Namespace, Name: act.Target.Name}, &p); err != nil {
			return s, fmt.Errorf("read Pod %s/%s: %w", act.Target.Namespace, act.Target.Name, err)
		}
		s.Disrupted = 0
		if podIsReady(&p) {
			s.Disrupted = 1
		}
	}
	// Pods that are not ready are not taken out of service by the action.
	s.Disrupted = min(s.Disrupted, s.Ready)
	return s, nil
}

// nodeScope measures a node action over the cluster's nodes: desired is every node, ready the
// Ready, schedulable ones, and the action takes out the target when it is one of those. It
// reaches the namespaces of the pods bound to the node.
func (g *scopedGate) nodeScope(ctx context.Context, name string) (guardrail.Scope, error) {
	var nodes corev1.NodeList
	if err := g.reader.List(ctx, &nodes); err != nil {
		return guardrail.Scope{}, fmt.Errorf("list nodes: %w", err)
	}
	var s guardrail.Scope
	found := false
	for i := range nodes.Items {
		n := &nodes.Items[i]
		s.Desired++
		serving := !n.Spec.Unschedulable && nodeIsReady(n)
		if serving {
			s.Ready++
		}
		if n.Name == name {
			found = true
			if serving {
				s.Disrupted = 1
			}
		}
	}
	if !found {
		return s, fmt.Errorf("node %s does not exist", name)
	}
	var pods corev1.PodList
	if err := g.reader.List(ctx, &pods, client.MatchingFields{"spec.nodeName": name}); err != nil {
		return s, fmt.Errorf("list pods on node %s: %w", name, err)
	}
	s.Namespaces = []string{} // not nil: a node without pods reaches no namespace
	for i := range pods.Items {
		if ns := pods.Items[i].Namespace; !slices.Contains(s.Namespaces, ns) {
			s.Namespaces = append(s.Namespaces, ns)
		}
	}
	return s, nil
}

func nodeIsReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// maxUnavailable resolves a rolling update's maxUnavailable the way the deployment controller
// does (percentages round down; the default is 25%); with 0 the rollout surges instead.
func maxUnavailable(ru *appsv1.RollingUpdateDeployment, desired int32) int32 {
	v := intstr.FromString("25%")
	if ru != nil && ru.MaxUnavailable != nil {
		v = *ru.MaxUnavailable
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(&v, int(desired), false)
	if err != nil || n < 0 {
		return desired
	}
	return int32(n)
}

func replicasOf(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func podIsReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// inFlight names the unfinished workflows that had made (or were making) their change: after a
// restart they take their targets' locks again before new workflows are admitted.
func inFlight(index *projection.Index[*v1alpha1.RemediationWorkflow]) []string {
	var names []string
	index.Each(func(wf *v1alpha1.RemediationWorkflow) bool {
		if s := wf.Status.Steps; !wf.Phase().Finished() && len(s) > 0 && (s[0].Status == "running" || s[0].Status == "completed") {
			names = append(names, wf.Name)
		}
		return true
	})
	return names
}

// appliedRecords are the changes the recorded workflows made, for the gate's cooldowns and
// budgets after a restart.
func appliedRecords(index *projection.Index[*v1alpha1.RemediationWorkflow]) []guardrail.Record {
	var out []guardrail.Record
	index.Each(func(wf *v1alpha1.RemediationWorkflow) bool {
		for _, s := range wf.Status.Steps {
			if s.Change == nil || (s.Status != "completed" && s.Status != "running" && !s.Undone) {
				continue
			}
			at := wf.CreationTimestamp.Time
			if s.CompletedAt != nil {
				at = s.CompletedAt.Time
			} else if s.StartedAt != nil {
				at = s.StartedAt.Time
			}
			o := s.Change.Object
			out = append(out, guardrail.Record{Type: action.Type(s.Action),
				Target: v1alpha1.Target{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}, At: at})
		}
		return true
	})
	return out
}
