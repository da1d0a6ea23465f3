package flux

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Follow reports how far Flux got with change: Reverted when spec.values no longer holds the
// patched value; waiting while status.observedGeneration is below metadata.generation; Done when
// Ready is True at the current generation; Failed when Ready is False for a release failure
// (install, upgrade or test failed, remediated by rollback or uninstall, the chart failed).
func (s *Strategy) Follow(ctx context.Context, change v1alpha1.Change) (remediation.Progress, error) {
	path, want, err := patchLeaf(change.Patch)
	if err != nil {
		return remediation.Progress{}, err
	}
	hr, err := s.helmRelease(ctx, change.Object.Namespace, change.Object.Name)
	if err != nil {
		return remediation.Progress{}, err
	}
	name := "HelmRelease " + hr.GetNamespace() + "/" + hr.GetName()
	got, found, _ := unstructured.NestedFieldNoCopy(hr.Object, path...)
	if !found || !reflect.DeepEqual(normal(got), normal(want)) {
		return remediation.Progress{Reverted: fmt.Sprintf("%s has %v at %s, not %v: someone changed it back", name, display(got, found), strings.Join(path, "."), want)}, nil
	}
	gen := hr.GetGeneration()
	observed, _, _ := unstructured.NestedInt64(hr.Object, "status", "observedGeneration")
	if observed < gen {
		return remediation.Progress{Checks: []string{fmt.Sprintf("%s at generation %d, observed %d: waiting for Flux", name, gen, observed)}}, nil
	}
	status, reason, message := ready(hr)
	check := fmt.Sprintf("%s generation %d Ready %s %s", name, gen, status, reason)
	if rev, _, _ := unstructured.NestedString(hr.Object, "status", "lastAttemptedRevision"); rev != "" {
		check += " (chart " + rev + ")"
	}
	p := remediation.Progress{Checks: []string{check}}
	switch {
	case status == "True":
		p.Done = true
	case status == "False" && releaseFailed(reason):
		p.Failed = fmt.Sprintf("%s is not Ready (%s): %s", name, reason, message)
	}
	return p, nil
}

// ready is the Ready condition's status, reason and message ("Unknown" when absent).
func ready(hr *unstructured.Unstructured) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(hr.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" {
			status, _ = m["status"].(string)
			reason, _ = m["reason"].(string)
			message, _ = m["message"].(string)
			return status, reason, message
		}
	}
	return "Unknown", "", ""
}

// releaseFailed says whether a Ready=False reason of helm-controller means the release did not
// take the change (rather than a dependency not being ready yet).
func releaseFailed(reason string) bool {
	switch reason {
	case "InstallFailed", "UpgradeFailed", "TestFailed", "RollbackSucceeded", "RollbackFailed",
		"UninstallSucceeded", "UninstallFailed", "ArtifactFailed", "InitFailed", "GetLastReleaseFailed":
		return true
	}
	return false
}

func normal(v any) any {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case int:
		return float64(n)
	}
	return v
}
