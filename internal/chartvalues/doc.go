// Package chartvalues finds, proves and changes the Helm values that set a field of a chart's
// rendered workload, and renders and compares charts, without a cluster.
//
// It knows nothing of where a chart and its values come from: a Helm release record, a Flux
// HelmRelease or an Argo CD Application's chart in Git all hand it a loaded *chart.Chart and the
// user-supplied values. FindPath answers "which values path sets the memory limit (image,
// replicas) of this container?" by proof: a candidate is a leaf of the merged values (chart
// defaults under the user's) equal to the live value, and it is accepted only when rendering the
// chart with that leaf overridden changes exactly the wanted field of the wanted container of the
// wanted workload to the new value. Render and Diff give people the rendered manifests' change.
//
// Rendering uses Helm's template engine with Helm's default capabilities (no lookup, no cluster
// version), so a chart that branches on .Capabilities renders as `helm template` would.
package chartvalues
