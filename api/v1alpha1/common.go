package v1alpha1

// Severity is how bad a problem is.
// +kubebuilder:validation:Enum=low;medium;high;critical
type Severity string

// Severities.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Priority is the priority a severity maps to (1..10, 10 highest), as the platform's clients
// expect: critical 10, high 8, medium 5, low 2.
func (s Severity) Priority() int32 {
	switch s {
	case SeverityCritical:
		return 10
	case SeverityHigh:
		return 8
	case SeverityMedium:
		return 5
	default:
		return 2
	}
}

// Source says where a signal or action came from.
// +kubebuilder:validation:Enum=deterministic;ai_driven;manual;alert;watcher
type Source string

// Sources.
const (
	SourceDeterministic Source = "deterministic"
	SourceAIDriven      Source = "ai_driven"
	SourceManual        Source = "manual"
	SourceAlert         Source = "alert"
	SourceWatcher       Source = "watcher"
)

// Target is the workload or node to act on.
type Target struct {
	// Kind is the Kubernetes kind: Deployment, StatefulSet, DaemonSet, Pod, Node, ...
	// +kubebuilder:validation:MaxLength=63
	Kind string `json:"kind,omitempty"`
	// Namespace is empty for cluster-scoped targets such as Nodes.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name is the object's name.
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name,omitempty"`
}

// IsZero reports whether no target is set.
func (t Target) IsZero() bool { return t.Kind == "" && t.Name == "" && t.Namespace == "" }

// String renders the target as kind/namespace/name (kind/name when cluster-scoped).
func (t Target) String() string {
	if t.Namespace == "" {
		return t.Kind + "/" + t.Name
	}
	return t.Kind + "/" + t.Namespace + "/" + t.Name
}
