package node

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// MirrorPodAnnotation marks the API server's mirror of a static pod, which the kubelet runs from
// a file and an eviction cannot move.
const MirrorPodAnnotation = corev1.MirrorPodAnnotationKey

// disposition is what a drain does with a pod.
type disposition int

const (
	// evictable pods are evicted.
	evictable disposition = iota
	// staticPod: a mirror pod; the kubelet runs it from a file whatever the API says.
	staticPod
	// daemonSetPod: its DaemonSet tolerates the cordon and would put it back at once.
	daemonSetPod
	// terminating: already being deleted.
	terminating
	// finished: phase Succeeded or Failed; it runs nothing.
	finished
)

// dispose says what a drain does with pod, as `kubectl drain --ignore-daemonsets` does: static
// (mirror) pods, DaemonSet pods, pods already terminating and finished pods stay.
func dispose(pod *corev1.Pod) disposition {
	if _, ok := pod.Annotations[MirrorPodAnnotation]; ok {
		return staticPod
	}
	if ref := metav1.GetControllerOf(pod); ref != nil && ref.Kind == "DaemonSet" && strings.HasPrefix(ref.APIVersion, "apps/") {
		return daemonSetPod
	}
	if pod.DeletionTimestamp != nil {
		return terminating
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return finished
	}
	return evictable
}

// podSet is a node's pods by what a drain does with them; pods are in namespace/name order.
type podSet struct {
	evict       []corev1.Pod
	terminating []corev1.Pod
	daemonSet   int
	static      int
	finished    int
}

// podsOn lists the pods bound to node (field selector spec.nodeName) and sorts them out.
func (s *Strategy) podsOn(ctx context.Context, node string) (podSet, error) {
	var list corev1.PodList
	if err := s.reader.List(ctx, &list, client.MatchingFields{"spec.nodeName": node}); err != nil {
		return podSet{}, fmt.Errorf("list pods of node %s: %w", node, err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return podName(&list.Items[i]) < podName(&list.Items[j]) })
	var set podSet
	for _, pod := range list.Items {
		switch dispose(&pod) {
		case evictable:
			set.evict = append(set.evict, pod)
		case terminating:
			set.terminating = append(set.terminating, pod)
		case daemonSetPod:
			set.daemonSet++
		case staticPod:
			set.static++
		case finished:
			set.finished++
		}
	}
	return set, nil
}

// stay is "2 DaemonSet pods and 1 static pod stay", or "" when every pod goes.
func (set podSet) stay() string {
	var parts []string
	if set.daemonSet > 0 {
		parts = append(parts, plural(set.daemonSet, "DaemonSet pod"))
	}
	if set.static > 0 {
		parts = append(parts, plural(set.static, "static pod"))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, " and ") + " stay"
}

// drainMarker starts the Diff line that makes a change a drain (see isDrain).
const drainMarker = "drain: "

// drainSummary is the Summary of a drain: "cordon node w-3 and evict its 7 pods (2 DaemonSet
// pods stay)".
func drainSummary(c cordon, set podSet) string {
	node := c.change.Object.Name
	var what string
	switch n := len(set.evict); {
	case n == 0 && c.foreign:
		what = "node " + node + " has no pod to evict"
	case n == 0:
		what = "cordon node " + node + "; it has no pod to evict"
	case c.foreign:
		what = fmt.Sprintf("evict the %s of node %s", plural(n, "pod"), node)
	default:
		what = fmt.Sprintf("cordon node %s and evict its %s", node, plural(n, "pod"))
	}
	if stay := set.stay(); stay != "" {
		what += " (" + stay + ")"
	}
	if c.foreign {
		what += "; it stays cordoned: " + foreignNote
	}
	return what
}

// maxListed bounds the pods a Diff, a refusal or a check names one by one.
const maxListed = 50

// drainDiff is the drain part of a Diff: the marker line, then one line per pod to evict.
func drainDiff(node string, set podSet) string {
	lines := []string{fmt.Sprintf("%sevict %s from node %s through the Eviction API", drainMarker, plural(len(set.evict), "pod"), node)}
	if stay := set.stay(); stay != "" {
		lines[0] += " (" + stay + ")"
	}
	for i := range set.evict {
		if i == maxListed {
			lines = append(lines, fmt.Sprintf("… and %d more", len(set.evict)-maxListed))
			break
		}
		pod := &set.evict[i]
		lines = append(lines, fmt.Sprintf("pod %s (uid %s): on %s → evicted", podName(pod), pod.UID, node))
	}
	return strings.Join(lines, "\n")
}

// isDrain says whether change was planned for a drain (its Diff has the drain line).
func isDrain(diff string) bool {
	return strings.HasPrefix(diff, drainMarker) || strings.Contains(diff, "\n"+drainMarker)
}

// names lists items separated by sep, at most maxListed of them: "a, b, c and 7 more".
func names(items []string, sep string) string {
	if len(items) <= maxListed {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:maxListed], sep) + fmt.Sprintf(" and %d more", len(items)-maxListed)
}

func podName(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }

// plural is "1 pod", "7 pods".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
