package flux

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation/helm"
)

// target is what a plan works on: the HelmRelease, its Helm release's history, the workload.
type target struct {
	hr   *unstructured.Unstructured
	hist []*release.Release
	rel  chartvalues.Release
	w    chartvalues.Workload
}

// renderBase is the chart and values the override is rendered over, for the diff.
type renderBase struct {
	chart  *chart.Chart
	values map[string]any
}

// planMemory finds the values path of the memory limit PlanMemory raises, in the latest
// deployed revision.
func (s *Strategy) planMemory(ctx context.Context, t target, act action.Action, owner managedby.Resolution) (chartvalues.Override, *renderBase, string, error) {
	raise, err := s.memory.PlanMemory(ctx, owner.Workload, act.Container)
	if err != nil {
		return chartvalues.Override{}, nil, "", err
	}
	base := helm.Deployed(t.hist)
	if base == nil {
		return chartvalues.Override{}, nil, "", action.Refuse(ReasonNoPreviousRevision, false,
			"Helm release %s/%s of HelmRelease %s/%s has no deployed revision to find the values path in", t.rel.Namespace, t.rel.Name, t.hr.GetNamespace(), t.hr.GetName())
	}
	t.w.Container = raise.Container
	o, err := chartvalues.FindPath(base.Chart, base.Config, t.rel, t.w, chartvalues.FieldMemoryLimit, raise.Current.String(), raise.Next.String())
	what := fmt.Sprintf("raising the memory limit of container %s of %s from %s to %s", raise.Container, owner.Workload, raise.Current.String(), raise.Next.String())
	return o, &renderBase{base.Chart, base.Config}, what, err
}

// planImage finds the values path that puts back the image of the newest earlier revision that
// was deployed.
func planImage(t target) (chartvalues.Override, *renderBase, string, error) {
	latest, good := t.hist[len(t.hist)-1], helm.RollbackTarget(t.hist, t.rel.Namespace, t.w)
	if good == nil {
		return chartvalues.Override{}, nil, "", action.Refuse(ReasonNoPreviousRevision, false,
			"Helm release %s/%s of HelmRelease %s/%s has no revision below %d that was deployed", t.rel.Namespace, t.rel.Name, t.hr.GetNamespace(), t.hr.GetName(), latest.Version)
	}
	cur, err := imageOf(latest, t)
	if err != nil {
		return chartvalues.Override{}, nil, "", err
	}
	prev, err := imageOf(good, t)
	if err != nil {
		return chartvalues.Override{}, nil, "", err
	}
	if cur == prev {
		return chartvalues.Override{}, nil, "", action.Refuse(ReasonNoChange, false,
			"revision %d of Helm release %s/%s runs the same image %s as the latest revision %d: a rollback of the image changes nothing", good.Version, t.rel.Namespace, t.rel.Name, cur, latest.Version)
	}
	o, err := chartvalues.FindPath(latest.Chart, latest.Config, t.rel, t.w, chartvalues.FieldImage, cur, prev)
	what := fmt.Sprintf("the image %s of revision %d (%s) in place of %s", prev, good.Version, good.Info.Status, cur)
	return o, &renderBase{latest.Chart, latest.Config}, what, err
}

// imageOf is the workload's image in rev's stored manifest.
func imageOf(rev *release.Release, t target) (string, error) {
	ms, err := chartvalues.ParseManifests(rev.Manifest, t.rel.Namespace)
	if err != nil {
		return "", fmt.Errorf("revision %d of %s/%s: %w", rev.Version, t.rel.Namespace, t.rel.Name, err)
	}
	img, err := ms.Field(t.w, chartvalues.FieldImage)
	if err != nil {
		return "", fmt.Errorf("revision %d of %s/%s: %w", rev.Version, t.rel.Namespace, t.rel.Name, err)
	}
	return img, nil
}

// change is the merge patch setting spec.values.<o.Path> of the HelmRelease, with its undo.
func change(t target, o chartvalues.Override, base *renderBase, what string) (v1alpha1.Change, error) {
	path := append([]string{"spec", "values"}, o.Path...)
	old, found, _ := unstructured.NestedFieldNoCopy(t.hr.Object, path...)
	var undo any // absent before: the undo removes it
	if found {
		undo = old
	}
	before, err := chartvalues.Render(base.chart, base.values, t.rel)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	after, err := chartvalues.Render(base.chart, chartvalues.SetPath(base.values, o.Path, o.Value), t.rel)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	where := "spec.values." + o.Path.String()
	return v1alpha1.Change{
		Strategy:  Name,
		Object:    objectRef(t.hr),
		Operation: v1alpha1.OperationPatch,
		PatchType: string(types.MergePatchType),
		Patch:     mergePatch(path, o.Value),
		Undo:      mergePatch(path, undo),
		Diff: fmt.Sprintf("HelmRelease %s/%s %s: %v → %v\n%s", t.hr.GetNamespace(), t.hr.GetName(), where, display(old, found), o.Value,
			chartvalues.Diff(before, after)),
		Summary: fmt.Sprintf("set %s of HelmRelease %s/%s to %v, %s (Flux upgrades Helm release %s/%s)",
			where, t.hr.GetNamespace(), t.hr.GetName(), o.Value, what, t.rel.Namespace, t.rel.Name),
	}, nil
}

// mergePatch is the JSON merge patch that sets path to value (nil removes it).
func mergePatch(path []string, value any) string {
	v := value
	for _, k := range slices.Backward(path) {
		v = map[string]any{k: v}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// patchLeaf is the path and value of a single-leaf merge patch.
func patchLeaf(patch string) ([]string, any, error) {
	var v any
	if err := json.Unmarshal([]byte(patch), &v); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadChange, err)
	}
	var path []string
	for {
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			break
		}
		for k, x := range m {
			path, v = append(path, k), x
		}
	}
	if len(path) < 3 || path[0] != "spec" || path[1] != "values" {
		return nil, nil, fmt.Errorf("%w: %s", ErrBadChange, patch)
	}
	return path, v, nil
}

func display(v any, found bool) any {
	if !found {
		return "(unset)"
	}
	return v
}
