package helm

import (
	"fmt"

	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// planRollback rolls the release back to rollbackTarget's revision; the diff is between the two
// revisions' stored manifests.
func (s *Strategy) planRollback(st state, act action.Action, owner managedby.Resolution) (operation, v1alpha1.Change, error) {
	w := chartvalues.Workload{Kind: owner.Workload.Kind, Namespace: owner.Workload.Namespace, Name: owner.Workload.Name, Container: act.Container}
	target := RollbackTarget(st.hist, st.namespace, w)
	if target == nil {
		return operation{}, v1alpha1.Change{}, action.Refuse(ReasonNoPreviousRevision, false,
			"Helm release %s/%s has no revision below %d that was deployed (revisions: %s)", st.namespace, st.name, st.latest.Version, revisions(st))
	}
	from, err := chartvalues.ParseManifests(st.latest.Manifest, st.namespace)
	if err != nil {
		return operation{}, v1alpha1.Change{}, fmt.Errorf("revision %d of %s/%s: %w", st.latest.Version, st.namespace, st.name, err)
	}
	to, err := chartvalues.ParseManifests(target.Manifest, st.namespace)
	if err != nil {
		return operation{}, v1alpha1.Change{}, fmt.Errorf("revision %d of %s/%s: %w", target.Version, st.namespace, st.name, err)
	}
	diff := chartvalues.Diff(from, to)
	if diff == "" && status(st.latest) == rcommon.StatusDeployed {
		return operation{}, v1alpha1.Change{}, action.Refuse(ReasonNoChange, false,
			"revision %d of Helm release %s/%s renders the same manifests as the deployed revision %d", target.Version, st.namespace, st.name, st.latest.Version)
	}
	op := operation{Release: st.name, Namespace: st.namespace, Revision: st.latest.Version, Kind: kindRollback, ToRevision: target.Version,
		Description: describe(act.Workflow, st.latest.Version, fmt.Sprintf("roll back to revision %d", target.Version))}
	why := fmt.Sprintf("the newest revision below it that was deployed (%s)", status(target))
	if img := imageIn(target, st.namespace, w); img != imageIn(st.latest, st.namespace, w) {
		why = fmt.Sprintf("the newest revision below it that was deployed (%s) with another image, %s", status(target), img)
	}
	return op, v1alpha1.Change{
		Undo: st.undo(act),
		Diff: fmt.Sprintf("Helm release %s/%s revision %d (%s) → revision %d:\n%s", st.namespace, st.name, st.latest.Version, status(st.latest), target.Version, diff),
		Summary: fmt.Sprintf("roll back Helm release %s/%s from revision %d (%s) to revision %d, %s",
			st.namespace, st.name, st.latest.Version, status(st.latest), target.Version, why),
	}, nil
}

// RollbackTarget is the revision of hist (oldest first, in namespace) to roll w back to: the
// newest one below the latest that was deployed and runs another image in w — an image that
// does not pull or crashes is what a rollback is for, and a later revision that changed
// something else (a raised memory limit) still runs it — else LastGood; nil when none.
func RollbackTarget(hist []*release.Release, namespace string, w chartvalues.Workload) *release.Release {
	if current := imageIn(hist[len(hist)-1], namespace, w); current != "" {
		for i := len(hist) - 2; i >= 0; i-- {
			r := hist[i]
			if img := imageIn(r, namespace, w); wasDeployed(r) && img != "" && img != current {
				return r
			}
		}
	}
	return LastGood(hist)
}

// imageIn is the image of w's container in the revision's manifests; "" when it has none.
func imageIn(r *release.Release, namespace string, w chartvalues.Workload) string {
	ms, err := chartvalues.ParseManifests(r.Manifest, namespace)
	if err != nil {
		return ""
	}
	img, err := ms.Field(w, chartvalues.FieldImage)
	if err != nil {
		return ""
	}
	return img
}

// revisions lists the release's revisions with their status: "1 superseded, 2 failed".
func revisions(st state) string {
	var out string
	for i, r := range st.hist {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%d %s", r.Version, status(r))
	}
	return out
}
