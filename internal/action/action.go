// Package action is the vocabulary that planning, the safety gate and the strategies share: what
// one remediation action is, which class it belongs to, and why one may be refused.
package action

import (
	"fmt"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Type is a kind of action.
type Type string

// The action types the engine carries out. The values are the action_type label of
// coordination_engine_actions_total.
const (
	// Restart restarts a workload's pods the way `kubectl rollout restart` does.
	Restart Type = "restart"
	// Rollback returns a workload to its previous revision the way `kubectl rollout undo` does.
	Rollback Type = "rollback"
	// SetMemoryLimit raises one container's memory limit.
	SetMemoryLimit Type = "set_memory_limit"
	// Scale changes the replica count, or the HorizontalPodAutoscaler's bounds when one exists.
	Scale Type = "scale"
	// Evict evicts one pod through the Eviction API, so PodDisruptionBudgets hold.
	Evict Type = "evict"
	// PatchCustomResource changes the custom resource that owns a workload.
	PatchCustomResource Type = "patch_custom_resource"
	// Cordon marks a node unschedulable.
	Cordon Type = "cordon"
	// Drain cordons a node, then evicts its pods through the Eviction API.
	Drain Type = "drain"
)

// Class is the Python engine's action class, which its conflict rules are written in.
type Class string

// Classes.
const (
	ClassNodeRemediation  Class = "node_remediation"
	ClassResourceScaling  Class = "resource_scaling"
	ClassModelInference   Class = "model_inference"
	ClassAlertCorrelation Class = "alert_correlation"
	ClassWorkload         Class = "workload_remediation"
)

// Class returns t's class: scaling and memory changes are resource_scaling, evictions, cordons
// and drains node_remediation, the rest workload_remediation.
func (t Type) Class() Class {
	switch t {
	case Scale, SetMemoryLimit:
		return ClassResourceScaling
	case Evict, Cordon, Drain:
		return ClassNodeRemediation
	default:
		return ClassWorkload
	}
}

// Action is one concrete change the engine wants to make, with who asked for it.
type Action struct {
	// Type is what to do.
	Type Type
	// Target is the workload (or pod, or node) to act on.
	Target v1alpha1.Target
	// Container names the container for SetMemoryLimit; empty means the one that was OOMKilled,
	// or the only one.
	Container string
	// Replicas is the wanted replica count for Scale; 0 means one more, within bounds.
	Replicas int32
	// Source is deterministic, ai_driven, manual, alert or watcher.
	Source v1alpha1.Source
	// Priority is 1..10, 10 highest.
	Priority int32
	// Confidence is how sure an AI-driven requester is (0..1).
	Confidence float64
	// Workflow names the RemediationWorkflow the action belongs to.
	Workflow string
	// Incident names the Incident.
	Incident string
	// Reason says why, for records outside the cluster (a commit message): the issue type and
	// its description.
	Reason string
	// DryRun computes the change and makes none.
	DryRun bool
	// Approved says a person approved the action.
	Approved bool
	// ApprovalRequired says the action needs a person's approval whatever the safety policy
	// says (the auto-remediation policy asked for it).
	ApprovalRequired bool
	// Resumed says the action was admitted before the engine restarted and its workflow is
	// being resumed: the gate takes the target's lock again but does not count, dedup, cool
	// down or ask for approval a second time.
	Resumed bool
}

// String is "restart Deployment/shop/web".
func (a Action) String() string { return string(a.Type) + " " + a.Target.String() }

// Refusal is why an action may not go ahead. Strategies and the safety gate return it; the
// executor records Reason and Message on the workflow and the HTTP layer maps it to 409/422.
type Refusal struct {
	// Reason is a CamelCase reason from api/v1alpha1/conditions.go or the guardrail's checks.
	Reason string
	// Message says why, for people.
	Message string
	// Retryable says the same action may be admitted later (a lock, a cooldown, a budget).
	Retryable bool
}

func (r *Refusal) Error() string { return fmt.Sprintf("refused (%s): %s", r.Reason, r.Message) }

// Refuse returns a *Refusal.
func Refuse(reason string, retryable bool, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Message: fmt.Sprintf(format, args...), Retryable: retryable}
}
