package helm

import (
	"context"
	"fmt"
	"reflect"

	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Follow reports how far the release got with change: Done when the revision change made is
// deployed and the latest, or a later revision keeps its effect; Failed when that revision
// failed; Reverted when a later revision by someone else undid it (an upgrade whose values no
// longer hold the override, a rollback whose manifests were replaced).
func (s *Strategy) Follow(ctx context.Context, change v1alpha1.Change) (remediation.Progress, error) {
	if change.Operation == v1alpha1.OperationPatch {
		return remediation.Progress{Done: true}, nil // a restart: the workload's rollout tells
	}
	op, err := decode(change.Patch)
	if err != nil {
		return remediation.Progress{}, err
	}
	hist, err := s.releases.History(ctx, op.Namespace, op.Release)
	if err != nil {
		return remediation.Progress{}, err
	}
	latest := hist[len(hist)-1]
	mine := own(hist, op)
	if mine == nil {
		return remediation.Progress{Checks: []string{fmt.Sprintf("Helm release %s/%s is at revision %d (%s); no revision of this change yet",
			op.Namespace, op.Release, latest.Version, status(latest))}}, nil
	}
	check := fmt.Sprintf("Helm release %s/%s revision %d (this change) is %s", op.Namespace, op.Release, mine.Version, status(mine))
	p := remediation.Progress{Checks: []string{check}}
	switch st := status(mine); {
	case st == rcommon.StatusFailed:
		p.Failed = fmt.Sprintf("revision %d of Helm release %s/%s failed: %s", mine.Version, op.Namespace, op.Release, mine.Info.Description)
		return p, nil
	case st.IsPending():
		return p, nil
	case mine == latest:
		p.Done = st == rcommon.StatusDeployed
		return p, nil
	}
	if why := reverted(op, mine, latest); why != "" {
		p.Reverted = why
		return p, nil
	}
	p.Checks = append(p.Checks, fmt.Sprintf("revision %d (%s) keeps the change", latest.Version, status(latest)))
	p.Done = status(latest) == rcommon.StatusDeployed
	return p, nil
}

// reverted says how latest, a later revision than mine, undid op; "" when it keeps it.
func reverted(op operation, mine, latest *release.Release) string {
	if op.Kind == kindUpgrade {
		got, ok := chartvalues.Lookup(latest.Config, op.Path)
		if !ok || !reflect.DeepEqual(normal(got), normal(op.Value)) {
			return fmt.Sprintf("revision %d of Helm release %s/%s (%q) sets %s to %v, not %v", latest.Version, op.Namespace, op.Release,
				latest.Info.Description, op.Path, display(got, ok), op.Value)
		}
		return ""
	}
	if latest.Manifest != mine.Manifest {
		return fmt.Sprintf("revision %d of Helm release %s/%s (%q) replaced the manifests of the rollback to revision %d",
			latest.Version, op.Namespace, op.Release, latest.Info.Description, op.ToRevision)
	}
	return ""
}

// normal makes numbers compare equal whatever JSON or YAML decoded them as.
func normal(v any) any {
	switch n := v.(type) {
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case float64:
		return n
	}
	return v
}

func display(v any, found bool) any {
	if !found {
		return "(unset)"
	}
	return v
}
