package alertmanager

// The alert labels Interpret reads. The workload and node labels are those kube-state-metrics
// puts on its series and the kube-prometheus rules keep; the others are the engine's own.
const (
	labelAlertName = "alertname"
	labelSeverity  = "severity"

	labelNamespace   = "namespace"
	labelDeployment  = "deployment"
	labelStatefulSet = "statefulset"
	labelDaemonSet   = "daemonset"
	labelPod         = "pod"
	labelNode        = "node"
	labelInstance    = "instance"

	// labelTargetKind, labelTargetName and labelTargetNamespace name the target explicitly and
	// override every other label.
	labelTargetKind      = "target_kind"
	labelTargetName      = "target_name"
	labelTargetNamespace = "target_namespace"

	// labelIssueType names the issue type explicitly ("none": incident only).
	labelIssueType = "issue_type"
	// labelReason is kube-state-metrics' Kubernetes reason (CrashLoopBackOff, OOMKilled, ...).
	labelReason = "reason"
	// labelCondition is kube-state-metrics' node condition (MemoryPressure, DiskPressure, ...).
	labelCondition = "condition"
)

// The annotations Interpret reads.
const (
	annotationSummary     = "summary"
	annotationDescription = "description"
	// annotationMessage is the older kubernetes-mixin's single text annotation.
	annotationMessage = "message"
)
