package managedby

// Method is how a workload is deployed, the deployment method of the domain. Its values are the
// REST contract's deployment_method enum.
type Method string

// Deployment methods.
const (
	// ArgoCD is an Argo CD Application: change Git and sync, never patch the live object.
	ArgoCD Method = "argocd"
	// Flux is a Flux Kustomization or HelmRelease: change Git (or the HelmRelease), never patch live.
	Flux Method = "flux"
	// Helm is a Helm release: roll back or upgrade the release.
	Helm Method = "helm"
	// Operator is a workload an operator controls through a custom resource: change the resource.
	Operator Method = "operator"
	// Manual is a workload nothing else manages: it may be patched directly.
	Manual Method = "manual"
	// Unknown means the facts were not enough to decide; treat the workload as not patchable.
	Unknown Method = "unknown"
)
