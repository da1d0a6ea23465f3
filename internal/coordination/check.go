package coordination

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/clusterstate"
	"selfhealing.dev/coordination-engine/internal/detection"
)

var machineConfigPoolKind = schema.GroupVersionKind{Group: "machineconfiguration.openshift.io", Version: "v1", Kind: "MachineConfigPool"}

// check follows a check step: it passes once the object has recovered and fails when it has not
// within Options.CheckTimeout of the step's start. What it saw last is in the step's error when
// it fails.
func (c *Controller) check(ctx context.Context, s *v1alpha1.Step, it v1alpha1.PlanItem) {
	ok, detail := c.recovered(ctx, it.Target)
	now := metav1.NewTime(c.now().UTC())
	switch {
	case ok:
		s.Status, s.CompletedAt, s.Error = stepCompleted, &now, ""
	case now.Sub(s.StartedAt.Time) >= c.opts.CheckTimeout:
		s.Status, s.CompletedAt = stepFailed, &now
		s.Error = fmt.Sprintf("not recovered within %s: %s", c.opts.CheckTimeout, detail)
	}
}

// recovered says whether a checked object has recovered, and what was seen.
func (c *Controller) recovered(ctx context.Context, t v1alpha1.Target) (bool, string) {
	if t.Kind == "MachineConfigPool" {
		return c.poolRecovered(ctx, t.Name)
	}
	failing, err := c.failingOperators(ctx, []string{t.Name})
	if err != nil {
		return false, err.Error()
	}
	if len(failing) > 0 {
		return false, strings.Join(failing, "; ")
	}
	return true, "ClusterOperator " + t.Name + " is available and not degraded"
}

// failingOperators describes the failing conditions of the named ClusterOperators.
func (c *Controller) failingOperators(ctx context.Context, names []string) ([]string, error) {
	ops, err := c.Platform.DegradedOperators(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read ClusterOperators: %w", err)
	}
	var failing []string
	for _, op := range ops {
		for _, name := range names {
			if op.Name == name {
				failing = append(failing, describeOperator(op))
			}
		}
	}
	return failing, nil
}

// describeOperator is "ClusterOperator dns Degraded=True (DNSDegraded): 1 of 6 pods ready".
func describeOperator(op clusterstate.Operator) string {
	status := op.Status
	if status == "" {
		status = "missing"
	}
	s := fmt.Sprintf("ClusterOperator %s %s=%s", op.Name, op.Condition, status)
	if op.Reason != "" {
		s += " (" + op.Reason + ")"
	}
	if op.Message != "" {
		s += ": " + op.Message
	}
	return s
}

// poolRecovered says whether the MachineConfigPool is not degraded and has settled
// (Updated=True, Updating=False).
func (c *Controller) poolRecovered(ctx context.Context, name string) (bool, string) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(machineConfigPoolKind)
	if err := c.APIReader.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return false, "MachineConfigPool " + name + " does not exist"
		}
		return false, fmt.Sprintf("cannot read MachineConfigPool %s: %v", name, err)
	}
	if s := detection.MachineConfigPool(u); len(s) > 0 {
		return false, "MachineConfigPool " + name + " " + s[0].Message
	}
	updated, updating := conditionStatus(u, "Updated"), conditionStatus(u, "Updating")
	if updated != "True" || updating != "False" {
		return false, fmt.Sprintf("MachineConfigPool %s has not settled: Updated=%s, Updating=%s", name, orMissing(updated), orMissing(updating))
	}
	return true, "MachineConfigPool " + name + " has settled and is not degraded"
}

// conditionStatus is the status of u's condition of type typ, "" when there is none.
func conditionStatus(u *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, raw := range conds {
		m, _ := raw.(map[string]any)
		if m["type"] == typ {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

func orMissing(s string) string {
	if s == "" {
		return "missing"
	}
	return s
}
