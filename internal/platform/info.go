package platform

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Platform names.
const (
	// OpenShift is a cluster that serves the ClusterVersion "version".
	OpenShift = "openshift"
	// Kubernetes is any other conformant cluster.
	Kubernetes = "kubernetes"
)

// OptionalAPI is an API the engine uses when the cluster serves it.
type OptionalAPI struct {
	// Name is the stable key used in JSON and metrics.
	Name string
	// Resource is the group, version and resource looked for in discovery.
	Resource schema.GroupVersionResource
}

// OptionalAPIs are the APIs that switch engine features on, in report order.
var OptionalAPIs = []OptionalAPI{
	{"argocd_applications", schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}},
	{"flux_kustomizations", schema.GroupVersionResource{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Resource: "kustomizations"}},
	{"flux_helmreleases", schema.GroupVersionResource{Group: "helm.toolkit.fluxcd.io", Version: "v2", Resource: "helmreleases"}},
	{"olm_clusterserviceversions", schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "clusterserviceversions"}},
	{"machineconfigpools", schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigpools"}},
	{"clusteroperators", schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusteroperators"}},
	{"kserve_inferenceservices", schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"}},
	{"medik8s_nodehealthchecks", schema.GroupVersionResource{Group: "remediation.medik8s.io", Version: "v1alpha1", Resource: "nodehealthchecks"}},
}

// clusterVersions is OpenShift's ClusterVersion resource; its object "version" marks OpenShift.
var clusterVersions = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterversions"}

// Info is one discovery result.
type Info struct {
	// Platform is OpenShift or Kubernetes.
	Platform string `json:"platform"`
	// KubernetesVersion is the API server's gitVersion, e.g. v1.34.4.
	KubernetesVersion string `json:"kubernetes_version"`
	// OpenShiftVersion is the current OpenShift version (last completed update), e.g. 4.19.7.
	OpenShiftVersion string `json:"openshift_version,omitempty"`
	// OpenShiftDesiredVersion is the version an update is heading to, when one runs.
	OpenShiftDesiredVersion string `json:"openshift_desired_version,omitempty"`
	// Upgrading is true while the ClusterVersion reports Progressing=True.
	Upgrading bool `json:"upgrading"`
	// Supported says whether the version is in the tested window.
	Supported bool `json:"supported"`
	// SupportMessage explains Supported.
	SupportMessage string `json:"support_message"`
	// APIs maps each OptionalAPI name to whether the cluster serves it.
	APIs map[string]bool `json:"apis"`
	// DiscoveredAt is when this result was taken.
	DiscoveredAt time.Time `json:"discovered_at"`
}

// Serves reports whether the optional API with that name is served.
func (i Info) Serves(name string) bool { return i.APIs[name] }
