package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IncidentPhase is where an incident is in its lifecycle.
// +kubebuilder:validation:Enum=pending;running;completed;failed;cancelled
type IncidentPhase string

// Incident phases. An Incident whose status has no phase yet is pending.
const (
	IncidentPending   IncidentPhase = "pending"
	IncidentRunning   IncidentPhase = "running"
	IncidentCompleted IncidentPhase = "completed"
	IncidentFailed    IncidentPhase = "failed"
	IncidentCancelled IncidentPhase = "cancelled"
)

// Finished reports whether the phase is final (completed, failed or cancelled).
func (p IncidentPhase) Finished() bool {
	return p == IncidentCompleted || p == IncidentFailed || p == IncidentCancelled
}

// IncidentSpec is what is known about the problem.
type IncidentSpec struct {
	// Title is a one-line summary.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Title string `json:"title"`
	// Description says what is wrong.
	// +kubebuilder:validation:MaxLength=8192
	// +optional
	Description string `json:"description,omitempty"`
	// Severity is low, medium, high or critical.
	Severity Severity `json:"severity"`
	// Priority is 1..10 (10 highest); it follows the severity unless set.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	Priority int32 `json:"priority"`
	// Source is where the incident came from.
	Source Source `json:"source"`
	// Target is the resolved workload or node, when known.
	// +optional
	Target *Target `json:"target,omitempty"`
	// TargetRef is the target as the client named it (free text, e.g. "deployment/payment-api").
	// +kubebuilder:validation:MaxLength=512
	// +optional
	TargetRef string `json:"targetRef,omitempty"`
	// ActionType is the kind of action the incident calls for, when known.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	ActionType string `json:"actionType,omitempty"`
	// Labels are the client's labels (merged on update).
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// AffectedResources are the resources the client says are affected.
	// +kubebuilder:validation:MaxItems=256
	// +optional
	AffectedResources []string `json:"affectedResources,omitempty"`
	// CorrelationID groups signals of one problem; a second incident with the same id is not created.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	CorrelationID string `json:"correlationID,omitempty"`
	// ExternalID is the id in the system that reported it (an alert fingerprint, a ticket).
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ExternalID string `json:"externalID,omitempty"`
	// CreatedBy names the person or tool that created it.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	CreatedBy string `json:"createdBy,omitempty"`
	// Confidence is how sure the source is (0..1).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	// +optional
	Confidence float64 `json:"confidence,omitempty"`
	// Parameters are free-form parameters from the client.
	// +optional
	Parameters *apiextensionsv1.JSON `json:"parameters,omitempty"`
}

// Correlation links an incident to others.
type Correlation struct {
	// Type is related, duplicate, root_cause or symptom.
	// +kubebuilder:validation:Enum=related;duplicate;root_cause;symptom
	Type string `json:"type"`
	// IncidentIDs are the related incidents.
	IncidentIDs []string `json:"incidentIDs"`
	// Score is the strength of the link (0..1).
	// +optional
	Score float64 `json:"score,omitempty"`
	// CorrelatedBy names who linked them.
	// +optional
	CorrelatedBy string `json:"correlatedBy,omitempty"`
	// At is when the link was made.
	At metav1.Time `json:"at"`
}

// IncidentStatus is where the incident stands.
type IncidentStatus struct {
	// Phase is pending, running, completed, failed or cancelled.
	// +kubebuilder:default=pending
	// +optional
	Phase IncidentPhase `json:"phase,omitempty"`
	// WorkflowRef names the RemediationWorkflow working on it.
	// +optional
	WorkflowRef string `json:"workflowRef,omitempty"`
	// StartedAt is when work on it started.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// CompletedAt is when it reached a final phase.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
	// CancelledBy names who cancelled it.
	// +optional
	CancelledBy string `json:"cancelledBy,omitempty"`
	// Correlations link it to other incidents.
	// +optional
	Correlations []Correlation `json:"correlations,omitempty"`
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are the standard conditions; types and reasons are in conditions.go.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Incident is a problem on a target, deduplicated, with a lifecycle.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=inc,categories=selfhealing
// +kubebuilder:printcolumn:name="Severity",type=string,JSONPath=`.spec.severity`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.spec.source`
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.spec.targetRef`
// +kubebuilder:printcolumn:name="Title",type=string,JSONPath=`.spec.title`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Incident struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec IncidentSpec `json:"spec"`
	// +kubebuilder:default={}
	Status IncidentStatus `json:"status,omitempty"`
}

// Phase returns the status phase, pending when none is set yet.
func (i *Incident) Phase() IncidentPhase {
	if i.Status.Phase == "" {
		return IncidentPending
	}
	return i.Status.Phase
}

// IncidentList is a list of Incidents.
//
// +kubebuilder:object:root=true
type IncidentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Incident `json:"items"`
}
