package detection

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// Figures on the project's 2-core machine, Go 1.26 (go test -run xxx -bench . -benchmem
// ./internal/detection/):
//
//	BenchmarkPodHealthy-2         53 ns/op     0 B/op   0 allocs/op
//	BenchmarkPodCrashLooping-2   465 ns/op   200 B/op   4 allocs/op
//	BenchmarkPodOOMKilled-2      651 ns/op   272 B/op   7 allocs/op
//	BenchmarkGroupKey-2           53 ns/op     0 B/op   0 allocs/op
//	BenchmarkNodeHealthy-2        27 ns/op     0 B/op   0 allocs/op
//
// A sweep over 10,000 healthy pods is about 0.5 ms and allocates nothing; a symptom costs its
// slice and its message.

// BenchmarkPodHealthy is a running pod of four containers (one init), one of which restarted
// once: every rule is checked and none fires.
func BenchmarkPodHealthy(b *testing.B) {
	p := pod(labels("pod-template-hash", "7d4b9c6f5d"), ownedBy("apps/v1", "ReplicaSet", "web-7d4b9c6f5d", true),
		initContainers(status("migrate", terminated("Completed", 0))),
		containers(status("app", restarted(1), lastTerminated("Error", 1)), status("proxy"), status("metrics")))
	p.Status.InitContainerStatuses[0].Ready = true
	b.ReportAllocs()
	for b.Loop() {
		if s := Pod(p, Options{}); s != nil {
			b.Fatalf("Pod() = %v, want nil", s)
		}
	}
}

// BenchmarkPodCrashLooping is a pod with one container in CrashLoopBackOff and one healthy.
func BenchmarkPodCrashLooping(b *testing.B) {
	p := pod(containers(status("app", crashLoop(7)), status("proxy")))
	b.ReportAllocs()
	for b.Loop() {
		if s := Pod(p, Options{}); len(s) != 1 {
			b.Fatalf("Pod() = %v, want one symptom", s)
		}
	}
}

// BenchmarkPodOOMKilled is a pod with one OOMKilled container with a memory limit, the
// costliest message.
func BenchmarkPodOOMKilled(b *testing.B) {
	p := pod(containers(status("app", restarted(3), lastTerminated("OOMKilled", 137)), status("proxy")), memoryLimit("app", "256Mi"))
	b.ReportAllocs()
	for b.Loop() {
		if s := Pod(p, Options{}); len(s) != 1 {
			b.Fatalf("Pod() = %v, want one symptom", s)
		}
	}
}

// BenchmarkGroupKey is the key of a Deployment's pod.
func BenchmarkGroupKey(b *testing.B) {
	p := pod(labels("pod-template-hash", "7d4b9c6f5d"), ownedBy("apps/v1", "ReplicaSet", "web-7d4b9c6f5d", true))
	b.ReportAllocs()
	for b.Loop() {
		if kind, _ := GroupKey(p); kind != "Deployment" {
			b.Fatalf("GroupKey() kind = %s, want Deployment", kind)
		}
	}
}

// BenchmarkNodeHealthy is a ready node without pressure.
func BenchmarkNodeHealthy(b *testing.B) {
	n := node(nodeCondition(corev1.NodeMemoryPressure, corev1.ConditionFalse), nodeCondition(corev1.NodeDiskPressure, corev1.ConditionFalse),
		nodeCondition(corev1.NodePIDPressure, corev1.ConditionFalse), nodeCondition(corev1.NodeReady, corev1.ConditionTrue))
	b.ReportAllocs()
	for b.Loop() {
		if s := Node(n); s != nil {
			b.Fatalf("Node() = %v, want nil", s)
		}
	}
}

// TestHealthyObjectsDoNotAllocate keeps the healthy path free of allocations, which the event
// handlers of large clusters rely on.
func TestHealthyObjectsDoNotAllocate(t *testing.T) {
	p := pod(labels("pod-template-hash", "7d4b9c6f5d"), ownedBy("apps/v1", "ReplicaSet", "web-7d4b9c6f5d", true),
		containers(status("app", restarted(1), lastTerminated("Error", 1)), status("proxy")))
	n := node(nodeCondition(corev1.NodeDiskPressure, corev1.ConditionFalse), nodeCondition(corev1.NodeReady, corev1.ConditionTrue))
	for name, f := range map[string]func(){
		"Pod":      func() { Pod(p, Options{}) },
		"GroupKey": func() { GroupKey(p) },
		"Node":     func() { Node(n) },
	} {
		if allocs := testing.AllocsPerRun(100, f); allocs != 0 {
			t.Errorf("%s() on a healthy object allocates %v times, want 0", name, allocs)
		}
	}
}
