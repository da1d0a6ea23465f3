// Package helm is the strategy for Helm-managed workloads: it changes the Helm release with the
// Helm SDK — a rollback to the newest revision that was deployed, or an upgrade with the
// release's own chart and values plus one proven override — and never the workload itself,
// which the next upgrade would overwrite.
//
// Plan reads the release's records from their Secret storage and changes nothing. Rollbacks go
// to the newest revision below the latest whose status is deployed or superseded (never a failed
// or pending one). A memory raise takes its numbers from the workload strategy's PlanMemory, so
// every strategy raises by the same rules, and its values path from chartvalues.FindPath, which
// proves the path by rendering; an upgrade passes exactly the release's user-supplied values plus
// that override (no reuse-values surprises). A scale works the same way on the replicas path. A
// restart is refused: the same chart with the same values renders the same manifests, so an
// upgrade restarts nothing, and inventing a pod annotation would leave a value in the release
// that nobody asked for.
//
// A release whose latest revision is pending-install, -upgrade or -rollback is refused as
// retryable while the operation may still be running (Options.PendingTimeout); past it the plan
// marks the stuck revision failed in storage first — the way people recover with the SDK — and
// then rolls back or upgrades.
//
// Apply writes a description naming the workflow and the planned revision on the revision it
// makes, so applying again (after an engine restart) sees its own revision and does nothing, and
// a release that moved on since the plan is an error, never clobbered. Every change goes through
// the guardrail's Writer.External, under the permit. Apply does not wait for resources (only
// hooks are waited for); Follow reports the release's progress to verification.
//
// A release that a Flux HelmRelease owns is not this strategy's: internal/remediation/flux
// changes the HelmRelease instead, which Flux would otherwise fight.
package helm
