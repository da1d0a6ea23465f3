// Package v1alpha1 holds the coordination engine's custom resources in the API group
// coordination.selfhealing.dev: Incident (a problem on a target, deduplicated, with its
// lifecycle) and RemediationWorkflow (one execution of a remediation plan for an incident).
// They live in the engine's namespace, so they survive restarts, work with several replicas and
// show up in `kubectl get incidents` and `kubectl get remediationworkflows`.
//
// +kubebuilder:object:generate=true
// +groupName=coordination.selfhealing.dev
package v1alpha1
