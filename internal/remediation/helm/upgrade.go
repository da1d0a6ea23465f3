package helm

import (
	"context"
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// planMemory raises the memory limit by the workload strategy's rules through the values path
// that sets it.
func (s *Strategy) planMemory(ctx context.Context, st state, act action.Action, owner managedby.Resolution) (operation, v1alpha1.Change, error) {
	raise, err := s.memory.PlanMemory(ctx, owner.Workload, act.Container)
	if err != nil {
		return operation{}, v1alpha1.Change{}, err
	}
	w := chartvalues.Workload{Kind: owner.Workload.Kind, Namespace: owner.Workload.Namespace, Name: owner.Workload.Name, Container: raise.Container}
	what := fmt.Sprintf("raising the memory limit of container %s of %s from %s to %s", raise.Container, owner.Workload, raise.Current.String(), raise.Next.String())
	return s.planUpgrade(st, act, w, chartvalues.FieldMemoryLimit, raise.Current.String(), raise.Next.String(), what)
}

// planScale sets the replicas (act.Replicas, else one more, at most Options.MaxReplicas)
// through the values path that sets them.
func (s *Strategy) planScale(ctx context.Context, st state, act action.Action, owner managedby.Resolution) (operation, v1alpha1.Change, error) {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(schema.FromAPIVersionAndKind(owner.Workload.APIVersion, owner.Workload.Kind))
	if err := s.reader.Get(ctx, client.ObjectKey{Namespace: owner.Workload.Namespace, Name: owner.Workload.Name}, obj); err != nil {
		return operation{}, v1alpha1.Change{}, fmt.Errorf("read %s: %w", owner.Workload, err)
	}
	cur, found, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	if !found {
		cur = 1
	}
	next := int64(act.Replicas)
	if next == 0 {
		next = cur + 1
	}
	switch {
	case next > int64(s.opts.MaxReplicas):
		return operation{}, v1alpha1.Change{}, action.Refuse(ReasonAtCeiling, false, "%d replicas of %s would exceed the maximum of %d", next, owner.Workload, s.opts.MaxReplicas)
	case next == cur:
		return operation{}, v1alpha1.Change{}, action.Refuse(ReasonNoChange, false, "%s already has %d replicas", owner.Workload, cur)
	}
	w := chartvalues.Workload{Kind: owner.Workload.Kind, Namespace: owner.Workload.Namespace, Name: owner.Workload.Name}
	what := fmt.Sprintf("scaling %s from %d to %d replicas", owner.Workload, cur, next)
	return s.planUpgrade(st, act, w, chartvalues.FieldReplicas, strconv.FormatInt(cur, 10), strconv.FormatInt(next, 10), what)
}

// planUpgrade upgrades the release with the chart and user-supplied values of its deployed
// revision plus the override that changes field of w from current to next; the diff is between
// the renderings without and with the override.
func (s *Strategy) planUpgrade(st state, act action.Action, w chartvalues.Workload, field chartvalues.Field, current, next, what string) (operation, v1alpha1.Change, error) {
	base := Deployed(st.hist)
	if base == nil {
		return operation{}, v1alpha1.Change{}, action.Refuse(ReasonNoPreviousRevision, false,
			"Helm release %s/%s has no deployed revision to upgrade from (revisions: %s)", st.namespace, st.name, revisions(st))
	}
	rel := chartvalues.Release{Name: st.name, Namespace: st.namespace}
	o, err := chartvalues.FindPath(base.Chart, base.Config, rel, w, field, current, next)
	if err != nil {
		return operation{}, v1alpha1.Change{}, err
	}
	before, err := chartvalues.Render(base.Chart, base.Config, rel)
	if err != nil {
		return operation{}, v1alpha1.Change{}, err
	}
	after, err := chartvalues.Render(base.Chart, chartvalues.SetPath(base.Config, o.Path, o.Value), rel)
	if err != nil {
		return operation{}, v1alpha1.Change{}, err
	}
	op := operation{Release: st.name, Namespace: st.namespace, Revision: st.latest.Version, Kind: kindUpgrade,
		FromRevision: base.Version, Path: o.Path, Value: o.Value,
		Description: describe(act.Workflow, st.latest.Version, "upgrade with "+o.String())}
	chartRef := base.Chart.Name()
	if base.Chart.Metadata != nil {
		chartRef += "-" + base.Chart.Metadata.Version
	}
	return op, v1alpha1.Change{
		Undo: st.undo(act),
		Diff: fmt.Sprintf("values %s: %v → %v\n%s", o.Path, o.Old, o.Value, chartvalues.Diff(before, after)),
		Summary: fmt.Sprintf("upgrade Helm release %s/%s (revision %d) with chart %s and the values of revision %d plus %s, %s",
			st.namespace, st.name, st.latest.Version, chartRef, base.Version, o, what),
	}, nil
}
