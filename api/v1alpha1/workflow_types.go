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
