package managedby

// EvidenceKind says where a piece of evidence was read.
type EvidenceKind string

// Evidence kinds.
const (
	// EvidenceAnnotation is an annotation on the top controller or the target.
	EvidenceAnnotation EvidenceKind = "annotation"
	// EvidenceLabel is a label on the top controller or the target, or an OLM label.
	EvidenceLabel EvidenceKind = "label"
	// EvidenceOwnerReference is an owner reference in the chain from the target to the top.
	EvidenceOwnerReference EvidenceKind = "ownerReference"
	// EvidenceSecret is a Helm release Secret, or its absence.
	EvidenceSecret EvidenceKind = "secret"
	// EvidenceApplication is an Argo CD Application, or why one could not be confirmed.
	EvidenceApplication EvidenceKind = "application"
	// EvidenceGap is something the resolver could not find out.
	EvidenceGap EvidenceKind = "gap"
	// EvidenceNone records that no check claimed the workload.
	EvidenceNone EvidenceKind = "none"
)

// Evidence is one fact seen while deciding, whether or not it decided.
type Evidence struct {
	// Kind says where the fact was read.
	Kind EvidenceKind `json:"kind"`
	// Detail says what was seen, for people.
	Detail string `json:"detail"`
	// Method is the method the fact points to; empty when it points nowhere.
	Method Method `json:"method,omitempty"`
}

// Result is a decision about a workload's deployment method.
type Result struct {
	// Method is the deployment method.
	Method Method `json:"method"`
	// Confidence is between 0 and 1; see the package documentation for the table.
	Confidence float64 `json:"confidence"`
	// Evidence is everything every check saw, in check order, not only the winner's.
	Evidence []Evidence `json:"evidence"`
	// Details names the winning method's owner, keyed by the Detail constants. Never nil.
	Details map[string]string `json:"details"`
}

// Keys of Result.Details.
const (
	// DetailArgoCDApplication is the Argo CD Application's name.
	DetailArgoCDApplication = "argocdApplication"
	// DetailArgoCDNamespace is the Application's namespace, when known.
	DetailArgoCDNamespace = "argocdNamespace"
	// DetailArgoCDTrackingID is the raw tracking-id annotation.
	DetailArgoCDTrackingID = "argocdTrackingID"
	// DetailFluxKind is Kustomization or HelmRelease.
	DetailFluxKind = "fluxKind"
	// DetailFluxName is the Flux object's name.
	DetailFluxName = "fluxName"
	// DetailFluxNamespace is the Flux object's namespace, when known.
	DetailFluxNamespace = "fluxNamespace"
	// DetailHelmRelease is the Helm release's name.
	DetailHelmRelease = "helmRelease"
	// DetailHelmNamespace is the Helm release's namespace.
	DetailHelmNamespace = "helmNamespace"
	// DetailHelmRevision is the release's latest revision, when its Secret was found.
	DetailHelmRevision = "helmRevision"
	// DetailHelmStatus is the latest revision's status (deployed, failed, ...), when found.
	DetailHelmStatus = "helmStatus"
	// DetailOperatorKind is the kind of the custom resource (or OLM object) that owns the workload.
	DetailOperatorKind = "operatorKind"
	// DetailOperatorName is that object's name.
	DetailOperatorName = "operatorName"
	// DetailOperatorAPIVersion is that object's apiVersion.
	DetailOperatorAPIVersion = "operatorAPIVersion"
	// DetailOLMOperator is the OLM operator's name, from OLM's labels.
	DetailOLMOperator = "olmOperator"
	// DetailOLMClusterServiceVersion is the ClusterServiceVersion named by olm.owner.
	DetailOLMClusterServiceVersion = "olmClusterServiceVersion"
)
