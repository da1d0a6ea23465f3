package permissions

// Requirement is one permission a feature needs.
type Requirement struct {
	// Feature is the engine feature that needs the permission.
	Feature string `json:"feature"`
	// Verb is the Kubernetes verb (get, list, watch, create, patch, ...).
	Verb string `json:"verb"`
	// Group is the API group ("" for the core group).
	Group string `json:"group"`
	// Resource is the resource, plural.
	Resource string `json:"resource"`
	// Subresource is set for subresources such as pods/eviction.
	Subresource string `json:"subresource,omitempty"`
	// Namespaced says the permission is checked in the engine's namespace; otherwise cluster-wide.
	Namespaced bool `json:"namespaced"`
}

// Requirements lists what the engine uses. It grows with the engine: a feature that starts
// calling the API adds its rows here, and the chart's RBAC is tested against this list.
func Requirements() []Requirement {
	reqs := []Requirement{
		{Feature: "leader-election", Verb: "get", Group: "coordination.k8s.io", Resource: "leases", Namespaced: true},
		{Feature: "leader-election", Verb: "create", Group: "coordination.k8s.io", Resource: "leases", Namespaced: true},
		{Feature: "leader-election", Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespaced: true},
		{Feature: "events", Verb: "create", Group: "", Resource: "events"},
		{Feature: "events", Verb: "patch", Group: "", Resource: "events"},
		{Feature: "platform-discovery", Verb: "get", Group: "config.openshift.io", Resource: "clusterversions"},
	}
	for _, res := range []string{"incidents", "remediationworkflows"} {
		for _, verb := range []string{"get", "list", "watch", "create", "update", "delete"} {
			reqs = append(reqs, Requirement{Feature: "records", Verb: verb, Group: "coordination.selfhealing.dev", Resource: res, Namespaced: true})
		}
		reqs = append(reqs, Requirement{Feature: "records", Verb: "update", Group: "coordination.selfhealing.dev",
			Resource: res, Subresource: "status", Namespaced: true})
	}
	return reqs
}
