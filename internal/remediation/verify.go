package remediation

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/managedby"
)

// Health is one look at a workload: whether every check passed, the checks for the record, and
// the sum of its pods' container restart counts (stable counts are part of recovery).
type Health struct {
	Healthy  bool
	Checks   []string
	Restarts int64
}

// fromWatchCache lets the API server answer a list from its watch cache (resourceVersion "0"),
// milliseconds behind etcd at most, instead of a consistent list that waits for the cache to
// catch up: verification looks again every few seconds anyway.
type fromWatchCache struct{}

// ApplyToList sets a fresh Raw each time: the client writes into it.
func (fromWatchCache) ApplyToList(o *client.ListOptions) {
	o.Raw = &metav1.ListOptions{ResourceVersion: "0"}
}

// Verifier looks at workloads' health.
type Verifier struct {
	reader client.Reader
}

// NewVerifier returns a Verifier reading with reader.
func NewVerifier(reader client.Reader) *Verifier { return &Verifier{reader: reader} }

// Check reports the workload's health: the controller has seen its latest spec, every replica is
// updated, ready and available, and its pods are Ready.
func (v *Verifier) Check(ctx context.Context, w managedby.Object) (Health, error) {
	key := client.ObjectKey{Namespace: w.Namespace, Name: w.Name}
	var (
		h        Health
		selector *metav1.LabelSelector
	)
	switch w.Kind {
	case "Deployment":
		var d appsv1.Deployment
		if err := v.reader.Get(ctx, key, &d); err != nil {
			return h, notFoundOr(err, w)
		}
		want := replicas(d.Spec.Replicas)
		h = rollout(d.Generation, d.Status.ObservedGeneration, want, d.Status.UpdatedReplicas, d.Status.ReadyReplicas,
			d.Status.AvailableReplicas, d.Status.Replicas)
		selector = d.Spec.Selector
	case "StatefulSet":
		var s appsv1.StatefulSet
		if err := v.reader.Get(ctx, key, &s); err != nil {
			return h, notFoundOr(err, w)
		}
		want := replicas(s.Spec.Replicas)
		h = rollout(s.Generation, s.Status.ObservedGeneration, want, s.Status.UpdatedReplicas, s.Status.ReadyReplicas,
			s.Status.AvailableReplicas, s.Status.Replicas)
		selector = s.Spec.Selector
	case "DaemonSet":
		var d appsv1.DaemonSet
		if err := v.reader.Get(ctx, key, &d); err != nil {
			return h, notFoundOr(err, w)
		}
		want := d.Status.DesiredNumberScheduled
		h = rollout(d.Generation, d.Status.ObservedGeneration, want, d.Status.UpdatedNumberScheduled, d.Status.NumberReady,
			d.Status.NumberAvailable, d.Status.CurrentNumberScheduled)
		selector = d.Spec.Selector
	case "Pod":
		return v.pods(ctx, w.Namespace, nil, w.Name, Health{Healthy: true})
	case "Node":
		var n corev1.Node
		if err := v.reader.Get(ctx, key, &n); err != nil {
			return h, notFoundOr(err, w)
		}
		return nodeHealth(&n), nil
	default:
		return h, fmt.Errorf("verify %s: kind %s has no health checks", w, w.Kind)
	}
	return v.pods(ctx, w.Namespace, selector, "", h)
}

// rollout judges a workload's status fields the way `kubectl rollout status` does.
func rollout(generation, observed int64, want, updated, ready, available, total int32) Health {
	h := Health{Healthy: true}
	check := func(ok bool, format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		if !ok {
			h.Healthy = false
			s += " (waiting)"
		}
		h.Checks = append(h.Checks, s)
	}
	check(observed >= generation, "observed generation %d/%d", observed, generation)
	check(updated == want, "updated replicas %d/%d", updated, want)
	check(ready == want, "ready replicas %d/%d", ready, want)
	check(available == want, "available replicas %d/%d", available, want)
	check(total == want, "no old replicas left (%d/%d)", total, want)
	return h
}

// pods adds the pods' readiness and restart counts; name selects one pod instead of a selector.
func (v *Verifier) pods(ctx context.Context, namespace string, selector *metav1.LabelSelector, name string, h Health) (Health, error) {
	var list []corev1.Pod
	if name != "" {
		var p corev1.Pod
		if err := v.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &p); err != nil {
			if apierrors.IsNotFound(err) {
				// An evicted bare pod is gone; nothing is left to be unhealthy.
				h.Checks = append(h.Checks, "pod "+name+" is gone")
				return h, nil
			}
			return h, fmt.Errorf("verify pod %s/%s: %w", namespace, name, err)
		}
		list = []corev1.Pod{p}
	} else {
		sel, err := metav1.LabelSelectorAsSelector(selector)
		if err != nil {
			return h, fmt.Errorf("verify: selector: %w", err)
		}
		var pl corev1.PodList
		if err := v.reader.List(ctx, &pl, fromWatchCache{}, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return h, fmt.Errorf("verify: list pods: %w", err)
		}
		list = pl.Items
	}
	ready := 0
	for i := range list {
		p := &list[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		if podReady(p) {
			ready++
		}
		for _, cs := range p.Status.ContainerStatuses {
			h.Restarts += int64(cs.RestartCount)
		}
	}
	running := 0
	for i := range list {
		if list[i].DeletionTimestamp == nil {
			running++
		}
	}
	if ready != running {
		h.Healthy = false
	}
	h.Checks = append(h.Checks, fmt.Sprintf("pods ready %d/%d", ready, running))
	return h, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func notFoundOr(err error, w managedby.Object) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("verify %s: it no longer exists: %w", w, err)
	}
	return fmt.Errorf("verify %s: %w", w, err)
}

// nodeHealth: the node is Ready and under no memory, disk or PID pressure.
func nodeHealth(n *corev1.Node) Health {
	h := Health{Healthy: true}
	ready := false
	for _, c := range n.Status.Conditions {
		switch c.Type {
		case corev1.NodeReady:
			ready = c.Status == corev1.ConditionTrue
		case corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure:
			if c.Status == corev1.ConditionTrue {
				h.Healthy = false
				h.Checks = append(h.Checks, string(c.Type)+" (waiting)")
			}
		}
	}
	if !ready {
		h.Healthy = false
		h.Checks = append(h.Checks, "node Ready: no (waiting)")
	} else {
		h.Checks = append(h.Checks, "node Ready")
	}
	return h
}
