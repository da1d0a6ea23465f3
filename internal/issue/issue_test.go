package issue

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		in   string
		want Type
		ok   bool
	}{
		{"pod_crash", PodCrash, true},
		{"CrashLoopBackOff", PodCrash, true},
		{"OOMKilled", OOMKill, true},
		{" oom_kill ", OOMKill, true},
		{"ImagePullBackOff", ImagePull, true},
		{"ErrImagePull", ImagePull, true},
		{"ProgressDeadlineExceeded", StuckRollout, true},
		{"high_cpu", HighCPU, true},
		{"network_issue", NetworkIssue, true},
		{"NotReady", NodeNotReady, true},
		{"cluster_operator_degraded", ClusterOperatorDegraded, true},
		{"ClusterOperatorDegraded", ClusterOperatorDegraded, true},
		{"machine_config_pool_degraded", MachineConfigPoolDegraded, true},
		{"MachineConfigPoolDegraded", MachineConfigPoolDegraded, true},
		{"meteor_strike", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Normalize(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
	if Accepted() == "" {
		t.Error("Accepted() is empty")
	}
}
