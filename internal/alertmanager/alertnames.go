package alertmanager

import "selfhealing.dev/coordination-engine/internal/issue"

// knownAlert is what the engine knows about an alert by its name.
type knownAlert struct {
	// issue is the issue type; "" means incident only (unless issueLabel gives one).
	issue issue.Type
	// issueLabel names a label whose value (a Kubernetes condition) gives the issue type.
	issueLabel string
	// node says the alert is about a node: its node label, else its instance label, names
	// the target.
	node bool
}

// knownAlerts are the alert names the engine recognises, the one table of them. Where the
// names come from:
//   - Kube*: the kubernetes-mixin rules that kube-prometheus and OpenShift's cluster monitoring
//     ship (kube-state-metrics and kubelet series);
//   - Node* without Kube: the node-exporter mixin, whose instance label kube-prometheus sets to
//     the node name;
//   - ContainerOOMKilled, KubeContainerOOMKilled, KubePodOOMKilled, NodeMemoryPressure,
//     NodeDiskPressure, NodePIDPressure, KubeNode*Pressure: names common custom rules use for
//     what the mixins leave out.
//
// An alert whose name is not here is incident only unless it carries an issue_type or a reason
// label (see issueFor).
var knownAlerts = map[string]knownAlert{
	// Workloads.
	"KubePodCrashLooping":               {issue: issue.PodCrash},
	"KubeDeploymentRolloutStuck":        {issue: issue.StuckRollout},
	"KubeStatefulSetUpdateNotRolledOut": {issue: issue.StuckRollout},
	"KubeDaemonSetRolloutStuck":         {issue: issue.StuckRollout},
	"KubeContainerOOMKilled":            {issue: issue.OOMKill},
	"KubePodOOMKilled":                  {issue: issue.OOMKill},
	"ContainerOOMKilled":                {issue: issue.OOMKill},
	// A pod is not ready for many reasons, none of which the alert says: people look first.
	"KubePodNotReady": {},

	// Nodes, from kube-state-metrics (node label).
	"KubeNodeNotReady":          {issue: issue.NodeNotReady, node: true},
	"KubeNodeUnreachable":       {issue: issue.NodeNotReady, node: true},
	"KubeNodeMemoryPressure":    {issue: issue.NodeMemoryPressure, node: true},
	"NodeMemoryPressure":        {issue: issue.NodeMemoryPressure, node: true},
	"KubeNodeDiskPressure":      {issue: issue.NodeDiskPressure, node: true},
	"NodeDiskPressure":          {issue: issue.NodeDiskPressure, node: true},
	"KubeNodePIDPressure":       {issue: issue.NodePIDPressure, node: true},
	"NodePIDPressure":           {issue: issue.NodePIDPressure, node: true},
	"KubeNodePressure":          {issueLabel: labelCondition, node: true}, // condition=MemoryPressure|DiskPressure|PIDPressure
	"KubeNodeReadinessFlapping": {node: true},
	"KubeletTooManyPods":        {node: true},
	"KubeletPlegDurationHigh":   {node: true},

	// Nodes, from node-exporter (instance label): incident only, no remediation fits them.
	"NodeFilesystemSpaceFillingUp":       {node: true},
	"NodeFilesystemAlmostOutOfSpace":     {node: true},
	"NodeFilesystemFilesFillingUp":       {node: true},
	"NodeFilesystemAlmostOutOfFiles":     {node: true},
	"NodeNetworkReceiveErrs":             {node: true},
	"NodeNetworkTransmitErrs":            {node: true},
	"NodeHighNumberConntrackEntriesUsed": {node: true},
	"NodeTextFileCollectorScrapeError":   {node: true},
	"NodeClockSkewDetected":              {node: true},
	"NodeClockNotSynchronising":          {node: true},
	"NodeRAIDDegraded":                   {node: true},
	"NodeRAIDDiskFailure":                {node: true},
	"NodeFileDescriptorLimit":            {node: true},
	"NodeCPUHighUsage":                   {node: true},
	"NodeSystemSaturation":               {node: true},
	"NodeMemoryMajorPagesFaults":         {node: true},
	"NodeMemoryHighUtilization":          {node: true},
	"NodeDiskIOSaturation":               {node: true},
	"NodeSystemdServiceFailed":           {node: true},
	"NodeBondingDegraded":                {node: true},
}
