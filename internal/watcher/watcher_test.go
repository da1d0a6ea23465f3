package watcher

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/intake"
)

// recordingSink records what the watchers report.
type recordingSink struct {
	mu     sync.Mutex
	opened []intake.Signal
	closed []string
}

func (s *recordingSink) Open(_ context.Context, sig intake.Signal) (intake.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened = append(s.opened, sig)
	return intake.Outcome{Action: "opened", Incident: "inc-" + sig.Key}, nil
}

func (s *recordingSink) Close(_ context.Context, _, key, _ string) (intake.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = append(s.closed, key)
	return intake.Outcome{Action: "resolved"}, nil
}

func (s *recordingSink) counts() (opened, closed int, first intake.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.opened) > 0 {
		first = s.opened[0]
	}
	return len(s.opened), len(s.closed), first
}

func startWatcher(t *testing.T) (*kubernetes.Clientset, *recordingSink) {
	t.Helper()
	return startWatcherWith(t, 500*time.Millisecond)
}

func startWatcherWith(t *testing.T, debounce time.Duration) (*kubernetes.Clientset, *recordingSink) {
	t.Helper()
	cs := kubernetes.NewForConfigOrDie(env.Config)
	dyn := dynamic.NewForConfigOrDie(env.Config)
	sink := &recordingSink{}
	w := New(cs, dyn, sink, Options{Debounce: debounce, Resignal: time.Hour}, nil, logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return cs, sink
}

// crashPod is a pod of ReplicaSet web-<hash> of Deployment web whose container crash-loops.
func crashPod(ns, name, hash string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{appsv1.DefaultDeploymentUniqueLabelKey: hash},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-" + hash, UID: types.UID("u-" + hash), Controller: new(true)}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web:2"}}},
	}
}

func setStatus(t *testing.T, cs kubernetes.Interface, p *corev1.Pod, crashing bool) {
	t.Helper()
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Image: "web:2", Ready: !crashing}}}
	if crashing {
		cs := &p.Status.ContainerStatuses[0]
		cs.RestartCount = 5
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}
		cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}
	} else {
		p.Status.ContainerStatuses[0].State.Running = &corev1.ContainerStateRunning{}
	}
	got, err := cs.CoreV1().Pods(p.Namespace).UpdateStatus(t.Context(), p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	*p = *got
}

func TestCrashingPodsOfOneDeploymentAreReportedOnceAndClosedWhenHealthy(t *testing.T) {
	cs, sink := startWatcher(t)
	ns := env.Namespace(t)
	var pods []*corev1.Pod
	// Two ReplicaSets of one rollout: still one Deployment, one problem.
	for i := range 30 {
		hash := "aaa11"
		if i%2 == 1 {
			hash = "bbb22"
		}
		p, err := cs.CoreV1().Pods(ns).Create(t.Context(), crashPod(ns, fmt.Sprintf("web-%d", i), hash), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		setStatus(t, cs, p, true)
		pods = append(pods, p)
	}
	waitFor(t, "the problem reported", func() bool { o, _, _ := sink.counts(); return o >= 1 })
	time.Sleep(time.Second) // anything else would be reported by now
	opened, _, sig := sink.counts()
	if opened != 1 {
		t.Fatalf("reported %d times, want once", opened)
	}
	if want := "Deployment/" + ns + "/web"; sig.Target.String() != want || sig.Issue != "pod_crash" || sig.Source != "watcher" {
		t.Errorf("signal = %+v, want pod_crash on %s from the watcher", sig, want)
	}
	if len(sig.Affected) != maxAffected {
		t.Errorf("affected = %d, want the first %d of 30", len(sig.Affected), maxAffected)
	}
	for _, p := range pods {
		setStatus(t, cs, p, false)
	}
	waitFor(t, "the incident closed", func() bool { _, c, _ := sink.counts(); return c == 1 })
}

func TestABlipShorterThanTheDebounceIsNotReported(t *testing.T) {
	// A debounce far longer than the two writes take, even on a loaded machine.
	cs, sink := startWatcherWith(t, 3*time.Second)
	ns := env.Namespace(t)
	p, err := cs.CoreV1().Pods(ns).Create(t.Context(), crashPod(ns, "blip", "ccc33"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setStatus(t, cs, p, true)
	setStatus(t, cs, p, false)
	time.Sleep(4 * time.Second)
	if o, c, _ := sink.counts(); o != 0 || c != 0 {
		t.Errorf("opened %d, closed %d; want nothing for a blip", o, c)
	}
}

func TestANotReadyNodeIsReported(t *testing.T) {
	cs, sink := startWatcher(t)
	name := "watched-" + env.Namespace(t)
	n, err := cs.CoreV1().Nodes().Create(t.Context(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "KubeletNotReady"}}
	if _, err := cs.CoreV1().Nodes().UpdateStatus(t.Context(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the node reported", func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for _, s := range sink.opened {
			if s.Target.String() == "Node/"+name && s.Issue == "node_not_ready" {
				return true
			}
		}
		return false
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestADegradedClusterOperatorIsReported(t *testing.T) {
	_, sink := startWatcher(t)
	dyn := dynamic.NewForConfigOrDie(env.Config)
	name := "ingress-" + env.Namespace(t)
	co := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator",
		"metadata": map[string]any{"name": name}}}
	created, err := dyn.Resource(clusterOperators).Create(t.Context(), co, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dyn.Resource(clusterOperators).Delete(context.Background(), name, metav1.DeleteOptions{}) })
	_ = unstructured.SetNestedSlice(created.Object, []any{
		map[string]any{"type": "Degraded", "status": "True", "reason": "IngressControllersDegraded", "message": "default is degraded",
			"lastTransitionTime": "2026-11-26T09:00:00Z"},
	}, "status", "conditions")
	if _, err := dyn.Resource(clusterOperators).UpdateStatus(t.Context(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the operator reported", func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for _, s := range sink.opened {
			if s.Target.String() == "ClusterOperator/"+name && s.Issue == "cluster_operator_degraded" {
				return true
			}
		}
		return false
	})
}
