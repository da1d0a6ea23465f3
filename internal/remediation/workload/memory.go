package workload

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

const mebibyte = 1 << 20

// memoryBounds is what limits a new memory limit, read from Options and the namespace.
type memoryBounds struct {
	factor  float64
	ceiling resource.Quantity
	// limitRangeMax is the smallest Container max memory of the namespace's LimitRanges, and
	// the LimitRange that sets it; nil when none sets one.
	limitRangeMax  *resource.Quantity
	limitRangeName string
	// quotaRoom is the smallest hard−used limits.memory of the namespace's ResourceQuotas, and
	// the quota that sets it; nil when none limits limits.memory.
	quotaRoom *resource.Quantity
	quotaName string
	// replicas is how many pods get the new limit.
	replicas int32
}

// nextMemoryLimit is current × factor rounded up to a whole Mi, capped by the ceiling and the
// LimitRange max. It refuses AtCeiling or LimitRangeMax when the cap leaves no increase, and
// QuotaExceeded when the increase times the replicas does not fit the quota's room.
func nextMemoryLimit(current resource.Quantity, b memoryBounds) (resource.Quantity, error) {
	cur := current.Value()
	want := int64(math.Ceil(float64(cur)*b.factor/mebibyte)) * mebibyte
	next := *resource.NewQuantity(want, resource.BinarySI)
	if next.Cmp(b.ceiling) > 0 {
		next = b.ceiling.DeepCopy()
		if next.Cmp(current) <= 0 {
			return resource.Quantity{}, action.Refuse(ReasonAtCeiling, false,
				"memory limit %s is at or above the ceiling %s", current.String(), b.ceiling.String())
		}
	}
	if b.limitRangeMax != nil && next.Cmp(*b.limitRangeMax) > 0 {
		next = b.limitRangeMax.DeepCopy()
		if next.Cmp(current) <= 0 {
			return resource.Quantity{}, action.Refuse(ReasonLimitRangeMax, false,
				"memory limit %s is at or above the max %s of LimitRange %s", current.String(), b.limitRangeMax.String(), b.limitRangeName)
		}
	}
	if b.quotaRoom != nil {
		need := (next.Value() - cur) * int64(max(b.replicas, 1))
		if need > b.quotaRoom.Value() {
			return resource.Quantity{}, action.Refuse(ReasonQuotaExceeded, true,
				"raising the memory limit %s → %s for %d pods needs %s more limits.memory, ResourceQuota %s has %s left",
				current.String(), next.String(), b.replicas, resource.NewQuantity(need, resource.BinarySI).String(), b.quotaName, b.quotaRoom.String())
		}
	}
	return next, nil
}

// MemoryRaise is a planned raise of one container's memory limit.
type MemoryRaise struct {
	// Container is the container whose limit is raised.
	Container string
	// Current is its live limit; Next the raised one.
	Current, Next resource.Quantity
	// Replicas is how many pods get the new limit.
	Replicas int32
}

// PlanMemory decides the raise of one container's memory limit on the live workload w within
// Options and the namespace's LimitRanges and ResourceQuotas: container, else the one the pods
// report OOMKilled, else the only one. Strategies that change the limit elsewhere (in Git, in a
// Helm release's values) use it so every strategy raises by the same rules.
func (s *Strategy) PlanMemory(ctx context.Context, w managedby.Object, container string) (MemoryRaise, error) {
	obj, err := s.getWorkload(ctx, w)
	if err != nil {
		return MemoryRaise{}, err
	}
	if container == "" && len(podTemplate(obj).Spec.Containers) > 1 {
		if container, err = s.oomKilledContainer(ctx, obj); err != nil {
			return MemoryRaise{}, err
		}
	}
	c, err := pickContainer(podTemplate(obj), container, w)
	if err != nil {
		return MemoryRaise{}, err
	}
	current, ok := c.Resources.Limits[corev1.ResourceMemory]
	if !ok {
		return MemoryRaise{}, action.Refuse(ReasonNoMemoryLimit, false,
			"container %s of %s has no memory limit to raise", c.Name, w)
	}
	b, err := s.memoryBounds(ctx, obj)
	if err != nil {
		return MemoryRaise{}, err
	}
	next, err := nextMemoryLimit(current, b)
	if err != nil {
		return MemoryRaise{}, err
	}
	return MemoryRaise{Container: c.Name, Current: current, Next: next, Replicas: replicasOf(obj)}, nil
}

// planMemory raises one container's memory limit within Options and the namespace's bounds.
func (s *Strategy) planMemory(ctx context.Context, w managedby.Object, container string) (v1alpha1.Change, error) {
	r, err := s.PlanMemory(ctx, w, container)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	obj, err := s.getWorkload(ctx, w)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	return memoryChange(obj, r.Container, r.Current, r.Next)
}

// memoryChange sets container's memory limit to next; the undo sets it back to current. The
// request is left alone: it was ≤ current, so it stays ≤ next.
func memoryChange(obj client.Object, container string, current, next resource.Quantity) (v1alpha1.Change, error) {
	ref := workloadRef(obj)
	body := func(q resource.Quantity) map[string]any {
		return withUID(ref.UID, map[string]any{
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{
					"name":      container,
					"resources": map[string]any{"limits": map[string]any{"memory": q.String()}},
				}},
			}}},
		})
	}
	patch, undo, err := patchPair(body, next, current)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	return v1alpha1.Change{
		Object:    ref,
		Operation: v1alpha1.OperationPatch,
		PatchType: strategicPatch,
		Patch:     patch,
		Undo:      undo,
		Diff:      fmt.Sprintf("spec.template.spec.containers[%s].resources.limits.memory: %s → %s", container, current.String(), next.String()),
		Summary:   fmt.Sprintf("raise the memory limit of container %s of %s (%d pods) from %s to %s", container, describe(ref), replicasOf(obj), current.String(), next.String()),
	}, nil
}

// pickContainer is the named container, else the only one.
func pickContainer(t *corev1.PodTemplateSpec, name string, w managedby.Object) (*corev1.Container, error) {
	var names []string
	for i := range t.Spec.Containers {
		c := &t.Spec.Containers[i]
		if name != "" && c.Name == name {
			return c, nil
		}
		names = append(names, c.Name)
	}
	switch {
	case name != "":
		return nil, action.Refuse(ReasonContainerNotFound, false, "%s has no container %q (containers: %s)", w, name, strings.Join(names, ", "))
	case len(names) == 1:
		return &t.Spec.Containers[0], nil
	}
	return nil, action.Refuse(ReasonContainerRequired, false,
		"%s has %d containers (%s): name the one whose memory limit to raise", w, len(names), strings.Join(names, ", "))
}

// memoryBounds reads the ceiling, the namespace's LimitRanges and ResourceQuotas.
func (s *Strategy) memoryBounds(ctx context.Context, obj client.Object) (memoryBounds, error) {
	b := memoryBounds{factor: s.opts.MemoryFactor, ceiling: s.opts.MemoryCeiling, replicas: replicasOf(obj)}
	ns := obj.GetNamespace()
	var lrs corev1.LimitRangeList
	if err := s.reader.List(ctx, &lrs, client.InNamespace(ns)); err != nil {
		return b, fmt.Errorf("list LimitRanges in %s: %w", ns, err)
	}
	for _, lr := range lrs.Items {
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			if m, ok := item.Max[corev1.ResourceMemory]; ok && (b.limitRangeMax == nil || m.Cmp(*b.limitRangeMax) < 0) {
				b.limitRangeMax, b.limitRangeName = &m, lr.Name
			}
		}
	}
	var quotas corev1.ResourceQuotaList
	if err := s.reader.List(ctx, &quotas, client.InNamespace(ns)); err != nil {
		return b, fmt.Errorf("list ResourceQuotas in %s: %w", ns, err)
	}
	slices.SortFunc(quotas.Items, func(a, b corev1.ResourceQuota) int { return strings.Compare(a.Name, b.Name) })
	for _, q := range quotas.Items {
		hard, ok := q.Status.Hard[corev1.ResourceLimitsMemory]
		if !ok {
			hard, ok = q.Spec.Hard[corev1.ResourceLimitsMemory]
		}
		if !ok {
			continue
		}
		used := q.Status.Used[corev1.ResourceLimitsMemory]
		room := hard.DeepCopy()
		room.Sub(used)
		if b.quotaRoom == nil || room.Cmp(*b.quotaRoom) < 0 {
			b.quotaRoom, b.quotaName = &room, q.Name
		}
	}
	return b, nil
}

// oomKilledContainer names the container the workload's pods report OOMKilled (now or as their
// last state), when exactly one is; "" otherwise, and pickContainer then asks for the name.
func (s *Strategy) oomKilledContainer(ctx context.Context, obj client.Object) (string, error) {
	sel, err := metav1.LabelSelectorAsSelector(selectorOf(obj))
	if err != nil {
		return "", fmt.Errorf("selector of %s: %w", describe(workloadRef(obj)), err)
	}
	var pods corev1.PodList
	if err := s.reader.List(ctx, &pods, fromWatchCache{}, client.InNamespace(obj.GetNamespace()), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return "", fmt.Errorf("list pods of %s: %w", describe(workloadRef(obj)), err)
	}
	killed := map[string]bool{}
	for _, p := range pods.Items {
		for _, cs := range p.Status.ContainerStatuses {
			for _, t := range []*corev1.ContainerStateTerminated{cs.State.Terminated, cs.LastTerminationState.Terminated} {
				if t != nil && t.Reason == "OOMKilled" {
					killed[cs.Name] = true
				}
			}
		}
	}
	if len(killed) != 1 {
		return "", nil
	}
	for name := range killed {
		return name, nil
	}
	return "", nil
}
