// Package flux is the strategy for workloads that a Flux HelmRelease renders: it changes the
// HelmRelease's spec.values with a merge patch through the guardrail and lets helm-controller
// upgrade the release, never running a Helm rollback or upgrade that Flux would fight.
//
// A memory raise sets spec.values.<path> to the limit the workload strategy's PlanMemory
// decides, at the values path chartvalues proves from the Helm release the HelmRelease made. A
// rollback of a bad image sets the image's values path to what the newest earlier revision that
// was deployed had, read from the Helm release records. The undo is the merge patch that puts the
// previous value back (or removes the key). Targets applied by a Flux Kustomization, and
// HelmReleases that a Kustomization applies (which would revert the patch), are refused: the
// change belongs in Git.
package flux
