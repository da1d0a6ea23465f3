// Package issue names the kinds of problem the engine remediates and turns the names clients use
// (the MCP server's pod_crash, oom_kill, ...; Kubernetes reasons such as CrashLoopBackOff) into
// those kinds.
package issue

import (
	"slices"
	"strings"
)

// Type is a normalised issue type.
type Type string

// The issue types.
const (
	PodCrash           Type = "pod_crash"
	OOMKill            Type = "oom_kill"
	ImagePull          Type = "image_pull"
	ConfigError        Type = "config_error"
	StuckRollout       Type = "stuck_rollout"
	HighCPU            Type = "high_cpu"
	HighMemory         Type = "high_memory"
	NetworkIssue       Type = "network_issue"
	NodeNotReady       Type = "node_not_ready"
	NodeMemoryPressure Type = "node_memory_pressure"
	NodeDiskPressure   Type = "node_disk_pressure"
	NodePIDPressure    Type = "node_pid_pressure"
	// ClusterOperatorDegraded is an OpenShift ClusterOperator reporting Degraded=True.
	ClusterOperatorDegraded Type = "cluster_operator_degraded"
	// MachineConfigPoolDegraded is an OpenShift MachineConfigPool reporting Degraded,
	// NodeDegraded or RenderDegraded True.
	MachineConfigPoolDegraded Type = "machine_config_pool_degraded"
)

// aliases maps lower-cased client and Kubernetes names to types.
var aliases = map[string]Type{
	"pod_crash": PodCrash, "crashloopbackoff": PodCrash, "crash_loop": PodCrash, "crashloop": PodCrash, "error": PodCrash,
	"oom_kill": OOMKill, "oomkilled": OOMKill, "oom": OOMKill, "oomkill": OOMKill,
	"image_pull": ImagePull, "imagepullbackoff": ImagePull, "errimagepull": ImagePull, "invalidimagename": ImagePull,
	"config_error": ConfigError, "createcontainerconfigerror": ConfigError, "createcontainererror": ConfigError,
	"stuck_rollout": StuckRollout, "progressdeadlineexceeded": StuckRollout,
	"high_cpu": HighCPU, "cpu_throttling": HighCPU,
	"high_memory": HighMemory, "memory_pressure_pod": HighMemory,
	"network_issue":  NetworkIssue,
	"node_not_ready": NodeNotReady, "nodenotready": NodeNotReady, "notready": NodeNotReady,
	"node_memory_pressure": NodeMemoryPressure, "memorypressure": NodeMemoryPressure,
	"node_disk_pressure": NodeDiskPressure, "diskpressure": NodeDiskPressure,
	"node_pid_pressure": NodePIDPressure, "pidpressure": NodePIDPressure,
	"cluster_operator_degraded": ClusterOperatorDegraded, "clusteroperatordegraded": ClusterOperatorDegraded,
	"machine_config_pool_degraded": MachineConfigPoolDegraded, "machineconfigpooldegraded": MachineConfigPoolDegraded,
}

// Normalize returns the type a client's or Kubernetes' name stands for, case-insensitively.
func Normalize(name string) (Type, bool) {
	t, ok := aliases[strings.ToLower(strings.TrimSpace(name))]
	return t, ok
}

// Accepted lists the normalised type names, for error messages.
func Accepted() string {
	seen := map[Type]bool{}
	var names []string
	for _, t := range aliases {
		if !seen[t] {
			seen[t] = true
			names = append(names, string(t))
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ") + " (or a Kubernetes reason such as CrashLoopBackOff, OOMKilled, ImagePullBackOff)"
}

// OnNode says the issue is a node's (remediated by acting on the node, not on a workload).
func (t Type) OnNode() bool {
	switch t {
	case NodeNotReady, NodeMemoryPressure, NodeDiskPressure, NodePIDPressure:
		return true
	}
	return false
}
