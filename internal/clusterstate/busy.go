package clusterstate

import (
	"context"
	"strings"
)

// clusterVersion is the part of OpenShift's ClusterVersion "version" that Busy reads.
type clusterVersion struct {
	Status struct {
		Desired struct {
			Version string `json:"version"`
		} `json:"desired"`
		Conditions conditions `json:"conditions"`
	} `json:"status"`
}

// busy says why the ClusterVersion means the cluster is busy, or "". Only Progressing=False is
// idle: True is an update (or install) in progress, and an Unknown or missing Progressing says
// nothing safe.
func (cv *clusterVersion) busy() string {
	p, ok := cv.Status.Conditions.get("Progressing")
	switch {
	case ok && p.Status == "False":
		return ""
	case ok && p.Status == "True":
		why := "the cluster is upgrading"
		if v := cv.Status.Desired.Version; v != "" {
			why += " to " + v
		}
		if p.Message != "" {
			why += ": " + p.Message
		}
		return why
	}
	return "ClusterVersion version has " + cv.Status.Conditions.describe("Progressing") + ", so whether an upgrade runs is unknown"
}

// Busy says why workload actions must wait now, or "" when nothing is busy: the cluster is
// upgrading (the ClusterVersion "version" is Progressing=True; its message and desired version
// are quoted, and an Unknown or missing Progressing counts as busy too), or a MachineConfigPool
// is updating (Updating=True, fewer updated machines than machines, or a generation its
// controller has not observed yet, which includes a pool without status). Several reasons are
// joined with "; ", the upgrade first, then pools by name.
//
// On plain Kubernetes (no ClusterVersion "version", no pools) Busy returns "". Read errors and
// malformed objects (ErrMalformed) are returned: failing closed on them is the caller's choice.
func (r *Reader) Busy(ctx context.Context) (string, error) {
	var reasons []string
	var cv clusterVersion
	found, err := r.get(ctx, clusterVersionKind, "version", &cv)
	if err != nil {
		return "", err
	}
	if found {
		if why := cv.busy(); why != "" {
			reasons = append(reasons, why)
		}
	}
	pools, err := r.pools(ctx)
	if err != nil {
		return "", err
	}
	for _, p := range pools {
		if why := p.busy(); why != "" {
			reasons = append(reasons, why)
		}
	}
	return strings.Join(reasons, "; "), nil
}
