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
		// client-go's leader election records a core Event on each change of leader.
		{Feature: "leader-election", Verb: "create", Group: "", Resource: "events", Namespaced: true},
		{Feature: "leader-election", Verb: "patch", Group: "", Resource: "events", Namespaced: true},
		{Feature: "events", Verb: "create", Group: "events.k8s.io", Resource: "events"},
		{Feature: "events", Verb: "patch", Group: "events.k8s.io", Resource: "events"},
		{Feature: "safety-policy", Verb: "get", Group: "", Resource: "configmaps", Namespaced: true},
		{Feature: "safety-policy", Verb: "list", Group: "", Resource: "configmaps", Namespaced: true},
		{Feature: "safety-policy", Verb: "watch", Group: "", Resource: "configmaps", Namespaced: true},
		{Feature: "platform-discovery", Verb: "get", Group: "config.openshift.io", Resource: "clusterversions"},
	}
	for _, res := range []string{"incidents", "remediationworkflows"} {
		for _, verb := range []string{"get", "list", "watch", "create", "update", "delete"} {
			reqs = append(reqs, Requirement{Feature: "records", Verb: verb, Group: "coordination.selfhealing.dev", Resource: res, Namespaced: true})
		}
		reqs = append(reqs, Requirement{Feature: "records", Verb: "update", Group: "coordination.selfhealing.dev",
			Resource: res, Subresource: "status", Namespaced: true})
	}
	reqs = append(reqs, ownershipRequirements()...)
	reqs = append(reqs, remediationRequirements()...)
	reqs = append(reqs, watchRequirements()...)
	reqs = append(reqs, coordinationRequirements()...)
	reqs = append(reqs, apiAuthRequirements()...)
	return append(reqs, ownerStrategyRequirements()...)
}

// FeatureAPIAuth marks what only API_AUTH_MODE=kubernetes uses.
const FeatureAPIAuth = "api-auth"

// apiAuthRequirements are the reviews API_AUTH_MODE=kubernetes asks the cluster for.
func apiAuthRequirements() []Requirement {
	return []Requirement{
		{Feature: FeatureAPIAuth, Verb: "create", Group: "authentication.k8s.io", Resource: "tokenreviews"},
		{Feature: FeatureAPIAuth, Verb: "create", Group: "authorization.k8s.io", Resource: "subjectaccessreviews"},
	}
}

// WithoutFeature returns reqs without those of feature: what an engine with the feature off
// needs.
func WithoutFeature(reqs []Requirement, feature string) []Requirement {
	out := make([]Requirement, 0, len(reqs))
	for _, r := range reqs {
		if r.Feature != feature {
			out = append(out, r)
		}
	}
	return out
}

// ownershipRequirements are what deployment-method detection reads: owner chains as metadata,
// CustomResourceDefinitions (is an owner a custom resource, OLM labels), Helm release Secrets
// (labels only; RBAC cannot narrow a list to owner=helm) and Argo CD Applications.
func ownershipRequirements() []Requirement {
	var reqs []Requirement
	for _, gr := range [][2]string{{"", "pods"}, {"apps", "deployments"}, {"apps", "replicasets"}, {"apps", "statefulsets"},
		{"apps", "daemonsets"}, {"batch", "jobs"}, {"batch", "cronjobs"}, {"apiextensions.k8s.io", "customresourcedefinitions"}} {
		for _, verb := range []string{"get", "list", "watch"} {
			reqs = append(reqs, Requirement{Feature: "ownership", Verb: verb, Group: gr[0], Resource: gr[1]})
		}
	}
	for _, verb := range []string{"list", "watch"} {
		reqs = append(reqs, Requirement{Feature: "ownership", Verb: verb, Group: "", Resource: "secrets"},
			Requirement{Feature: "ownership-argocd", Verb: verb, Group: "argoproj.io", Resource: "applications"})
	}
	return reqs
}

// remediationRequirements are what the direct strategy changes and reads to plan its changes.
// The operator strategy also needs get and patch on the custom resources of the operators it
// works through; those kinds are the cluster's, so they are granted per installation.
func remediationRequirements() []Requirement {
	reqs := []Requirement{
		{Feature: "remediation", Verb: "list", Group: "apps", Resource: "controllerrevisions"},
		{Feature: "remediation", Verb: "create", Group: "", Resource: "pods", Subresource: "eviction"},
		{Feature: "remediation", Verb: "list", Group: "", Resource: "limitranges"},
		{Feature: "remediation", Verb: "list", Group: "", Resource: "resourcequotas"},
		{Feature: "remediation", Verb: "list", Group: "autoscaling", Resource: "horizontalpodautoscalers"},
		{Feature: "remediation", Verb: "patch", Group: "autoscaling", Resource: "horizontalpodautoscalers"},
	}
	for _, res := range []string{"deployments", "statefulsets", "daemonsets"} {
		reqs = append(reqs, Requirement{Feature: "remediation", Verb: "patch", Group: "apps", Resource: res})
	}
	return reqs
}

// ownerStrategyRequirements are what the Helm, Argo CD and Flux strategies read and change. The
// Helm strategy writes release records (Secrets) and, through the Helm SDK, whatever kinds the
// release's chart holds; the checks cover the records and Deployments, the usual case. The Argo
// CD strategy also lists repository Secrets in Argo CD's namespace, which the Helm strategy's
// cluster-wide Secret list covers.
func ownerStrategyRequirements() []Requirement {
	reqs := []Requirement{
		{Feature: "remediation-argocd", Verb: "get", Group: "argoproj.io", Resource: "applications"},
		{Feature: "remediation-argocd", Verb: "patch", Group: "argoproj.io", Resource: "applications"},
		{Feature: "remediation-argocd", Verb: "get", Group: "argoproj.io", Resource: "appprojects"},
		{Feature: "remediation-flux", Verb: "get", Group: "helm.toolkit.fluxcd.io", Resource: "helmreleases"},
		{Feature: "remediation-flux", Verb: "patch", Group: "helm.toolkit.fluxcd.io", Resource: "helmreleases"},
	}
	for _, verb := range []string{"get", "list", "create", "update", "delete"} {
		reqs = append(reqs, Requirement{Feature: "remediation-helm", Verb: verb, Group: "", Resource: "secrets"})
	}
	for _, verb := range []string{"get", "create", "update"} {
		reqs = append(reqs, Requirement{Feature: "remediation-helm", Verb: verb, Group: "apps", Resource: "deployments"})
	}
	return reqs
}

// watchRequirements are what the cluster watchers read, what the node strategy changes and
// what the platform-layer checks read. The OpenShift and medik8s kinds are only read where they
// are served; a missing permission there degrades those checks (fail closed: actions wait).
func watchRequirements() []Requirement {
	reqs := []Requirement{
		{Feature: "node-remediation", Verb: "patch", Group: "", Resource: "nodes"},
		{Feature: "node-remediation", Verb: "list", Group: "policy", Resource: "poddisruptionbudgets"},
		{Feature: "platform-layer", Verb: "list", Group: "remediation.medik8s.io", Resource: "nodehealthchecks"},
	}
	for _, verb := range []string{"get", "list", "watch"} {
		reqs = append(reqs, Requirement{Feature: "watchers", Verb: verb, Group: "", Resource: "nodes"})
	}
	for _, verb := range []string{"list", "watch"} {
		reqs = append(reqs,
			Requirement{Feature: "watchers-openshift", Verb: verb, Group: "config.openshift.io", Resource: "clusteroperators"},
			Requirement{Feature: "watchers-openshift", Verb: verb, Group: "machineconfiguration.openshift.io", Resource: "machineconfigpools"})
	}
	return reqs
}

// coordinationRequirements are what multi-layer coordination reads: the nodes workloads' pods run
// on (placement), ClusterOperators and MachineConfigPools for the platform checks and the
// checkpoints between layers. Several rows repeat other features' so that a missing permission
// is reported against coordination too.
func coordinationRequirements() []Requirement {
	return []Requirement{
		{Feature: "coordination", Verb: "list", Group: "", Resource: "pods"},
		{Feature: "coordination", Verb: "get", Group: "", Resource: "nodes"},
		{Feature: "coordination", Verb: "list", Group: "", Resource: "nodes"},
		{Feature: "coordination", Verb: "list", Group: "config.openshift.io", Resource: "clusteroperators"},
		{Feature: "coordination", Verb: "get", Group: "machineconfiguration.openshift.io", Resource: "machineconfigpools"},
		{Feature: "coordination", Verb: "list", Group: "machineconfiguration.openshift.io", Resource: "machineconfigpools"},
	}
}
