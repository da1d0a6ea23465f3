// Package manifestedit changes one field of one workload in a checked-out Git source tree (plain
// YAML, a Kustomize overlay, or a Helm values file) in the file that decides the deployed value,
// and proves the change by rendering the source again.
//
// Apply finds the candidate places that could set the field, in the order Argo CD users expect
// (for Kustomize: the overlay's images: or replicas: entry, then a patch that sets the field,
// then the base resource), edits one, renders the whole source again (krusty for Kustomize, a
// YAML parse for plain directories) and keeps the edit only when the rendered target now has the
// new value and nothing else rendered changed; otherwise it puts the file back and tries the
// next candidate. No candidate that works is ErrNotInSource.
//
// Edits are surgical where they can be: an existing scalar is replaced in place, so comments,
// key order, quoting and every other document of a file stay byte for byte. Only a field that
// must be created makes its document be written out again (with yaml.v3, keeping comments).
//
// Editing a Kustomize base changes every overlay built on it; the proof covers only the overlay
// rendered. Remote bases, Helm charts inflated by Kustomize and paths leaving the repository are
// refused (ErrUnsupportedSource); nothing here touches the network.
package manifestedit
