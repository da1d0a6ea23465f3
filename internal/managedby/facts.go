package managedby

import "strings"

// Facts is what a resolver gathered about a target and its top controller, the input of Decide.
// Decide reads nothing else; a zero field means "not seen" unless its comment says otherwise.
type Facts struct {
	// Target is the object named in the request (a Pod, a Deployment, ...).
	Target Object
	// Top is the top controller, reached from Target through controller owner references; it is
	// Target itself when Target has no controller. Its metadata decides the method.
	Top Object
	// Chain is the owner references walked from Target up to Top, nearest first: for a Pod of a
	// Deployment, [ReplicaSet, Deployment]. Empty when Top is Target.
	Chain []Owner
	// ArgoCD is what is known about Argo CD Applications.
	ArgoCD ArgoCDFacts
	// HelmReleases are the Helm releases whose Secrets the resolver found, latest revision each.
	// Decide looks up the release that Top's meta.helm.sh annotations name, by namespace and name.
	HelmReleases []HelmRelease
	// OLMLabels are OLM's labels that name the operator behind Top's custom resource type (olm.owner,
	// operators.coreos.com/<operator>), as found on its CustomResourceDefinition or
	// ClusterServiceVersion. OLM labels on Top itself are read from Top.Labels.
	OLMLabels map[string]string
	// Gaps are what the resolver could not find out (an unreadable Secret list, an owner it could
	// not get). With gaps and no claim, Decide answers Unknown instead of Manual.
	Gaps []string
}

// Object is the identity and metadata of one object.
type Object struct {
	// APIVersion is group/version, or version for the core group.
	APIVersion string
	// Kind is the object's kind.
	Kind string
	// Namespace is empty for cluster-scoped objects.
	Namespace string
	// Name is the object's name.
	Name string
	// Labels are the object's labels.
	Labels map[string]string
	// Annotations are the object's annotations.
	Annotations map[string]string
}

// String names the object for evidence and logs: "Deployment shop/web".
func (o Object) String() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// group is the API group of the object's apiVersion; empty for the core group.
func (o Object) group() string {
	group, _, ok := strings.Cut(o.APIVersion, "/")
	if !ok {
		return ""
	}
	return group
}

// same says whether o and p are the same object.
func (o Object) same(p Object) bool {
	return o.group() == p.group() && o.Kind == p.Kind && o.Namespace == p.Namespace && o.Name == p.Name
}

// Owner is one owner reference of the chain from the target to its top controller.
type Owner struct {
	// APIVersion is the owner's group/version.
	APIVersion string
	// Kind is the owner's kind.
	Kind string
	// Name is the owner's name (owners share the namespace of what they own, or are cluster-scoped).
	Name string
	// Controller is the reference's controller flag.
	Controller bool
	// IsCustomResource says the owner's kind is served from a CustomResourceDefinition, as the
	// resolver learned from the RESTMapper and discovery, not from the name of its group.
	IsCustomResource bool
}

// ArgoCDFacts is what the resolver knows about Argo CD on this cluster.
type ArgoCDFacts struct {
	// APIAvailable says the cluster serves applications.argoproj.io.
	APIAvailable bool
	// Namespace is Argo CD's control-plane namespace, where Applications named without a
	// <namespace>_ prefix live; empty when unknown, and then such names match in any namespace.
	Namespace string
	// ApplicationExists reports whether an Application exists; namespace "" means in any
	// namespace. It must read a cache and not block. Nil when the Applications could not be read.
	ApplicationExists func(namespace, name string) bool
}

// HelmRelease is a Helm release as its latest release Secret describes it.
type HelmRelease struct {
	// Name is the release name.
	Name string
	// Namespace is the release's namespace, where its Secrets are.
	Namespace string
	// Revision is the latest revision found.
	Revision int
	// Status is that revision's status label: deployed, failed, superseded, uninstalled, pending-*.
	Status string
	// Flux is the Flux HelmRelease that manages the release, from the release's labels; nil if none.
	Flux *FluxRef
}

// FluxRef names a Flux object.
type FluxRef struct {
	// Kind is HelmRelease or Kustomization.
	Kind string
	// Name is the object's name.
	Name string
	// Namespace is the object's namespace.
	Namespace string
}

// helmRelease finds a release by namespace and name.
func (f Facts) helmRelease(namespace, name string) (HelmRelease, bool) {
	for _, r := range f.HelmReleases {
		if r.Name == name && r.Namespace == namespace {
			return r, true
		}
	}
	return HelmRelease{}, false
}

// topOwner is the last owner reference of the chain, the one that points at Top.
func (f Facts) topOwner() (Owner, bool) {
	if len(f.Chain) == 0 {
		return Owner{}, false
	}
	return f.Chain[len(f.Chain)-1], true
}

// topReleaseRef is the Helm release Top's annotations name; the namespace defaults to Top's.
func (f Facts) topReleaseRef() (namespace, name string, ok bool) {
	name = f.Top.Annotations[AnnotationHelmReleaseName]
	if name == "" {
		return "", "", false
	}
	namespace = f.Top.Annotations[AnnotationHelmReleaseNamespace]
	if namespace == "" {
		namespace = f.Top.Namespace
	}
	return namespace, name, true
}
