package helm

import (
	rcommon "helm.sh/helm/v4/pkg/release/common"

	"fmt"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
)

// planRollback rolls the release back to the newest revision below the latest that was
// deployed; the diff is between the two revisions' stored manifests.
func (s *Strategy) planRollback(st state, act action.Action) (operation, v1alpha1.Change, error) {
	target := LastGood(st.hist)
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
	return op, v1alpha1.Change{
		Undo: st.undo(act),
		Diff: fmt.Sprintf("Helm release %s/%s revision %d (%s) → revision %d:\n%s", st.namespace, st.name, st.latest.Version, status(st.latest), target.Version, diff),
		Summary: fmt.Sprintf("roll back Helm release %s/%s from revision %d (%s) to revision %d, %s",
			st.namespace, st.name, st.latest.Version, status(st.latest), target.Version, why),
	}, nil
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
