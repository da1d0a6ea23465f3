package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WorkflowPhase is where a workflow is.
// +kubebuilder:validation:Enum=pending;running;awaiting_approval;completed;failed;cancelled
type WorkflowPhase string

// Workflow phases. A RemediationWorkflow whose status has no phase yet is pending.
const (
	WorkflowPending          WorkflowPhase = "pending"
	WorkflowRunning          WorkflowPhase = "running"
	WorkflowAwaitingApproval WorkflowPhase = "awaiting_approval"
	WorkflowCompleted        WorkflowPhase = "completed"
	WorkflowFailed           WorkflowPhase = "failed"
	WorkflowCancelled        WorkflowPhase = "cancelled"
)

// Finished reports whether the phase is final.
func (p WorkflowPhase) Finished() bool {
	return p == WorkflowCompleted || p == WorkflowFailed || p == WorkflowCancelled
}

// Issue is the problem a workflow remediates.
type Issue struct {
	// Type is the normalised issue type: pod_crash, oom_kill, image_pull, high_cpu, high_memory,
	// network_issue, stuck_rollout, node_not_ready, ...
	// +kubebuilder:validation:MaxLength=63
	Type string `json:"type"`
	// Description is the client's words.
	// +kubebuilder:validation:MaxLength=8192
	// +optional
	Description string `json:"description,omitempty"`
	// Severity is low, medium, high or critical.
	// +optional
	Severity Severity `json:"severity,omitempty"`
}

// RequestedAction is one action a client asked for by name (the Python-era form).
type RequestedAction struct {
	// Type is the action: scale_deployment, scale_up, scale_down, restart_pod, remediate_node, ...
	// +kubebuilder:validation:MaxLength=63
	Type string `json:"type"`
	// Parameters are the action's parameters as the client sent them: a JSON object of scalars.
	// +optional
	Parameters *apiextensionsv1.JSON `json:"parameters,omitempty"`
}

// RemediationWorkflowSpec is what to remediate and how it was asked for.
type RemediationWorkflowSpec struct {
	// IncidentRef names the Incident this workflow works on.
	// +kubebuilder:validation:MinLength=1
	IncidentRef string `json:"incidentRef"`
	// Target is the object to remediate.
	// +optional
	Target Target `json:"target,omitempty"`
	// Issue is the problem.
	Issue Issue `json:"issue"`
	// Actions are actions requested by name; empty means the engine chooses.
	// +optional
	Actions []RequestedAction `json:"actions,omitempty"`
	// DryRun plans and reports without changing the cluster or Git.
	// +optional
	DryRun bool `json:"dryRun,omitempty"`
	// Source is deterministic, ai_driven or manual.
	Source Source `json:"source"`
	// Priority is 1..10 (10 highest).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	Priority int32 `json:"priority"`
	// Confidence is how sure the requester is (0..1).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	// +optional
	Confidence float64 `json:"confidence,omitempty"`
	// RequestKey identifies the request (incident and target) so retries find this workflow.
	// +optional
	RequestKey string `json:"requestKey,omitempty"`
	// Approval is a person's decision on a workflow that waits for approval.
	// +optional
	Approval *Approval `json:"approval,omitempty"`
	// ApprovalRequired makes the action wait for a person's approval whatever the safety
	// policy says: the auto-remediation policy asked for it for this kind of signal.
	// +optional
	ApprovalRequired bool `json:"approvalRequired,omitempty"`
	// ParentRef names the coordination workflow this workflow is one step of.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ParentRef string `json:"parentRef,omitempty"`
	// Plan makes this a coordination workflow: the resources to remediate across layers. The
	// coordinator orders them infrastructure, platform, application, runs one child workflow
	// per resource (or, for the platform layer, a check) and checks health after each layer.
	// A workflow with a plan has no target of its own.
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Plan []PlanItem `json:"plan,omitempty"`
}

// PlanItem is one resource of a coordination workflow's plan.
type PlanItem struct {
	// Layer is infrastructure, platform or application, as the coordinator detected it.
	// +kubebuilder:validation:Enum=infrastructure;platform;application
	Layer string `json:"layer"`
	// Target is the resource.
	Target Target `json:"target"`
	// Issue is its problem.
	Issue Issue `json:"issue"`
	// Why says how the layer was detected (the target's kind, its owner chain, the node its
	// pods run on).
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Why string `json:"why,omitempty"`
}

// ApprovalDecision is approved or rejected.
// +kubebuilder:validation:Enum=approved;rejected
type ApprovalDecision string

// Approval decisions.
const (
	ApprovalApproved ApprovalDecision = "approved"
	ApprovalRejected ApprovalDecision = "rejected"
)

// Approval is a person's decision on a workflow that waits for approval.
type Approval struct {
	// Decision is approved or rejected.
	Decision ApprovalDecision `json:"decision"`
	// By names who decided.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	By string `json:"by,omitempty"`
	// Reason is why.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Reason string `json:"reason,omitempty"`
	// At is when.
	At metav1.Time `json:"at"`
}

// ObjectRef names one Kubernetes object.
type ObjectRef struct {
	// APIVersion is group/version, or version for the core group.
	APIVersion string `json:"apiVersion"`
	// Kind is the object's kind.
	Kind string `json:"kind"`
	// Namespace is empty for cluster-scoped objects.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name is the object's name.
	Name string `json:"name"`
	// UID, when set, is a precondition: the change applies only to this incarnation.
	// +optional
	UID string `json:"uid,omitempty"`
}

// ChangeOperation is how a change is made.
// +kubebuilder:validation:Enum=patch;evict;external
type ChangeOperation string

// Change operations.
const (
	// OperationPatch patches Object with Patch (PatchType) and reverts with Undo.
	OperationPatch ChangeOperation = "patch"
	// OperationEvict evicts the Pod Object through the Eviction API; it cannot be undone.
	OperationEvict ChangeOperation = "evict"
	// OperationExternal is carried out by a strategy outside the cluster (a Git commit, a Helm
	// release); Patch and Undo hold that strategy's own description.
	OperationExternal ChangeOperation = "external"
)

// Change is the exact change one action makes. It is computed before anything is changed and
// recorded on the step first, so that after an engine restart the same change is re-applied
// (every change is idempotent) or undone, never recomputed.
type Change struct {
	// Strategy is the strategy that planned it: direct, operator, helm, argocd.
	Strategy string `json:"strategy"`
	// Object is what the change applies to.
	Object ObjectRef `json:"object"`
	// Operation is patch, evict or external.
	Operation ChangeOperation `json:"operation"`
	// PatchType is the patch's media type (application/merge-patch+json, ...).
	// +optional
	PatchType string `json:"patchType,omitempty"`
	// Patch is the change.
	// +optional
	Patch string `json:"patch,omitempty"`
	// Undo reverts the change; empty when it cannot be undone.
	// +optional
	Undo string `json:"undo,omitempty"`
	// Diff shows the fields before and after, for people and dry runs.
	// +optional
	Diff string `json:"diff,omitempty"`
	// Summary says in one line what changes.
	// +optional
	Summary string `json:"summary,omitempty"`
	// RevertAfterRecovery says the change only holds the target while it recovers (a node
	// cordoned until it is healthy again): once verification passes, the engine reverts it with
	// Undo.
	// +optional
	RevertAfterRecovery bool `json:"revertAfterRecovery,omitempty"`
}

// Step is one step of the plan.
type Step struct {
	// Order is the step's position, from 1.
	Order int32 `json:"order"`
	// Layer is infrastructure, platform or application.
	Layer string `json:"layer"`
	// Action is the action's name.
	Action string `json:"action,omitempty"`
	// Description says what the step does.
	Description string `json:"description"`
	// Status is pending, running, completed, failed or skipped.
	Status string `json:"status"`
	// StartedAt is when the step started.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// CompletedAt is when it ended.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
	// Error is why it failed.
	// +optional
	Error string `json:"error,omitempty"`
	// Change is the exact change the step makes, recorded before it is made.
	// +optional
	Change *Change `json:"change,omitempty"`
	// Undone says the engine reverted the step's change after verification failed.
	// +optional
	Undone bool `json:"undone,omitempty"`
	// Workflow names the child workflow that carries out a coordination workflow's step.
	// +optional
	Workflow string `json:"workflow,omitempty"`
	// Target is the resource a coordination workflow's step works on.
	// +optional
	Target *Target `json:"target,omitempty"`
}

// Checkpoint is a health check between layers.
type Checkpoint struct {
	// Layer is the layer it checks.
	Layer string `json:"layer"`
	// AfterStep is the order of the step it follows.
	AfterStep int32 `json:"afterStep"`
	// Status is pending, passed or failed.
	Status string `json:"status"`
	// Checks are the individual checks' results.
	// +optional
	Checks []string `json:"checks,omitempty"`
}

// RemediationWorkflowStatus is how the workflow is going.
type RemediationWorkflowStatus struct {
	// Phase is pending, running, awaiting_approval, completed, failed or cancelled.
	// +kubebuilder:default=pending
	// +optional
	Phase WorkflowPhase `json:"phase,omitempty"`
	// DeploymentMethod is how the target is deployed: argocd, flux, helm, operator, manual or unknown.
	// +optional
	DeploymentMethod string `json:"deploymentMethod,omitempty"`
	// Layers are the layers the plan touches, in order.
	// +optional
	Layers []string `json:"layers,omitempty"`
	// Steps are the plan's steps.
	// +optional
	Steps []Step `json:"steps,omitempty"`
	// Checkpoints are the health checks between layers.
	// +optional
	Checkpoints []Checkpoint `json:"checkpoints,omitempty"`
	// StartedAt is when execution started.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// CompletedAt is when it reached a final phase.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
	// Error is why it failed.
	// +optional
	Error string `json:"error,omitempty"`
	// Strategy is the strategy that carries out the plan: direct, operator, helm, argocd.
	// +optional
	Strategy string `json:"strategy,omitempty"`
	// Workload is the workload whose health verifies the plan (the Deployment of a Pod target),
	// recorded when the plan is made so that verification does not depend on the target's pod.
	// +optional
	Workload *ObjectRef `json:"workload,omitempty"`
	// Evidence is why the engine chose the deployment method, one line per fact.
	// +optional
	Evidence []string `json:"evidence,omitempty"`
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are the standard conditions; types and reasons are in conditions.go.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// RemediationWorkflow is one execution of a remediation plan for an incident.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rwf;workflow,categories=selfhealing
// +kubebuilder:printcolumn:name="Incident",type=string,JSONPath=`.spec.incidentRef`
// +kubebuilder:printcolumn:name="Issue",type=string,JSONPath=`.spec.issue.type`
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.spec.target.name`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Method",type=string,JSONPath=`.status.deploymentMethod`
// +kubebuilder:printcolumn:name="DryRun",type=boolean,JSONPath=`.spec.dryRun`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RemediationWorkflow struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec RemediationWorkflowSpec `json:"spec"`
	// +kubebuilder:default={}
	Status RemediationWorkflowStatus `json:"status,omitempty"`
}

// Phase returns the status phase, pending when none is set yet.
func (w *RemediationWorkflow) Phase() WorkflowPhase {
	if w.Status.Phase == "" {
		return WorkflowPending
	}
	return w.Status.Phase
}

// RemediationWorkflowList is a list of RemediationWorkflows.
//
// +kubebuilder:object:root=true
type RemediationWorkflowList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RemediationWorkflow `json:"items"`
}
