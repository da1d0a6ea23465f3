package managedby

// Labels and annotations that tools write on the objects they manage.
const (
	// AnnotationArgoCDTrackingID is Argo CD's annotation tracking: <app>:<group>/<kind>:<namespace>/<name>.
	AnnotationArgoCDTrackingID = "argocd.argoproj.io/tracking-id"
	// LabelArgoCDInstance is the label Argo CD users often configure instead of app.kubernetes.io/instance.
	LabelArgoCDInstance = "argocd.argoproj.io/instance"
	// LabelAppInstance is Argo CD's label tracking before 3.0, and Helm charts' release label.
	LabelAppInstance = "app.kubernetes.io/instance"
	// LabelManagedBy names the managing tool; Helm writes "Helm".
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// AnnotationHelmReleaseName is written by Helm 3.2+ on every object of a release.
	AnnotationHelmReleaseName = "meta.helm.sh/release-name"
	// AnnotationHelmReleaseNamespace is the release's namespace, written next to the name.
	AnnotationHelmReleaseNamespace = "meta.helm.sh/release-namespace"
	// LabelFluxKustomizationName names the Flux Kustomization that applied the object.
	LabelFluxKustomizationName = "kustomize.toolkit.fluxcd.io/name"
	// LabelFluxKustomizationNamespace is that Kustomization's namespace.
	LabelFluxKustomizationNamespace = "kustomize.toolkit.fluxcd.io/namespace"
	// LabelFluxHelmReleaseName names the Flux HelmRelease that rendered the object.
	LabelFluxHelmReleaseName = "helm.toolkit.fluxcd.io/name"
	// LabelFluxHelmReleaseNamespace is that HelmRelease's namespace.
	LabelFluxHelmReleaseNamespace = "helm.toolkit.fluxcd.io/namespace"
	// LabelOLMOwner names the ClusterServiceVersion that installed an object.
	LabelOLMOwner = "olm.owner"
	// LabelOLMOwnerKind is the kind named by olm.owner, normally ClusterServiceVersion.
	LabelOLMOwnerKind = "olm.owner.kind"
	// LabelPrefixOLMOperator starts OLM's component label operators.coreos.com/<operator>.
	LabelPrefixOLMOperator = "operators.coreos.com/"
)

// managedByHelm is the value of app.kubernetes.io/managed-by that Helm writes.
const managedByHelm = "Helm"
