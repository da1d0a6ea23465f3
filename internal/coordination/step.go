package coordination

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// runStep starts or follows one step of the current layer: a check step looks at its object, a
// remediate step starts its child workflow (once) and mirrors the child's phase.
func (c *Controller) runStep(ctx context.Context, wf *v1alpha1.RemediationWorkflow, s *v1alpha1.Step, it v1alpha1.PlanItem) error {
	if stepDone(s.Status) {
		return nil
	}
	now := metav1.NewTime(c.now().UTC())
	if s.Status == stepPending {
		s.Status, s.StartedAt = stepRunning, &now
	}
	if isCheck(it.Target.Kind) {
		c.check(ctx, s, it)
		return nil
	}
	var child *v1alpha1.RemediationWorkflow
	var err error
	if s.Workflow == "" {
		if child, err = c.startChild(ctx, wf, it); err != nil {
			return err
		}
		s.Workflow = child.Name
	} else if child, err = c.childOf(ctx, wf.Namespace, s.Workflow); err != nil {
		return err
	}
	if child == nil {
		s.Status, s.CompletedAt = stepFailed, &now
		s.Error = "child workflow " + s.Workflow + " no longer exists"
		return nil
	}
	mirror(s, child, now)
	return nil
}

// startChild records the child workflow of a plan item, or adopts the one recorded before the
// engine stopped (whose name the step did not get to hold).
func (c *Controller) startChild(ctx context.Context, wf *v1alpha1.RemediationWorkflow, it v1alpha1.PlanItem) (*v1alpha1.RemediationWorkflow, error) {
	req := workflow.Request{
		IncidentID: wf.Spec.IncidentRef, Target: it.Target, Issue: it.Issue, DryRun: wf.Spec.DryRun,
		Source: wf.Spec.Source, Priority: wf.Spec.Priority, Confidence: wf.Spec.Confidence, Parent: wf.Name,
	}
	if child, err := c.recorded(ctx, wf, req.Key()); child != nil || err != nil {
		return child, err
	}
	child, _, err := c.Workflows.Record(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("start the child workflow for %s: %w", it.Target, err)
	}
	logr.FromContextOrDiscard(ctx).Info("Started child workflow", "child", child.Name, "layer", it.Layer, "target", it.Target.String())
	return child, nil
}

// recorded returns the newest child workflow with the request key, nil when there is none. The
// key names the parent, so only this workflow's children carry it. It reads fresh: a child
// recorded just before the engine stopped may not be in a new cache yet.
func (c *Controller) recorded(ctx context.Context, wf *v1alpha1.RemediationWorkflow, key string) (*v1alpha1.RemediationWorkflow, error) {
	var list v1alpha1.RemediationWorkflowList
	if err := c.APIReader.List(ctx, &list, client.InNamespace(wf.Namespace), client.MatchingLabels{v1alpha1.LabelRequestKey: key}); err != nil {
		return nil, fmt.Errorf("list the children of workflow %s: %w", wf.Name, err)
	}
	var newest *v1alpha1.RemediationWorkflow
	for i := range list.Items {
		ch := &list.Items[i]
		if ch.Spec.ParentRef != wf.Name {
			continue
		}
		if newest == nil || ordinal(ch.Name) > ordinal(newest.Name) {
			newest = ch
		}
	}
	return newest, nil
}

// ordinal is n of a workflow named wf-<key>-<n>.
func ordinal(name string) int {
	n, _ := strconv.Atoi(name[strings.LastIndexByte(name, '-')+1:])
	return n
}

// mirror sets the step from its child's phase.
func mirror(s *v1alpha1.Step, child *v1alpha1.RemediationWorkflow, now metav1.Time) {
	done := child.Status.CompletedAt
	if done == nil {
		done = &now
	}
	switch p := child.Phase(); p {
	case v1alpha1.WorkflowPending, v1alpha1.WorkflowRunning:
		s.Status = stepRunning
	case v1alpha1.WorkflowAwaitingApproval:
		s.Status = stepAwaitingApproval
	case v1alpha1.WorkflowCompleted:
		s.Status, s.CompletedAt, s.Error = stepCompleted, done, ""
	default:
		s.Status, s.CompletedAt = stepFailed, done
		s.Error = fmt.Sprintf("child workflow %s %s: %s", child.Name, p, childFailure(child))
	}
}

// childFailure says why a child failed: its error, with the reason of its latest condition.
func childFailure(child *v1alpha1.RemediationWorkflow) string {
	msg, reason := child.Status.Error, ""
	for _, t := range []string{v1alpha1.ConditionVerified, v1alpha1.ConditionExecuted, v1alpha1.ConditionAdmitted} {
		if cond := meta.FindStatusCondition(child.Status.Conditions, t); cond != nil && cond.Status != metav1.ConditionTrue {
			reason = cond.Reason
			if msg == "" {
				msg = cond.Message
			}
			break
		}
	}
	switch {
	case msg == "":
		return "no reason recorded"
	case reason != "":
		return reason + ": " + msg
	}
	return msg
}
