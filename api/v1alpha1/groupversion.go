package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the API group and version of the engine's resources.
var GroupVersion = schema.GroupVersion{Group: "coordination.selfhealing.dev", Version: "v1alpha1"}

// AddToScheme registers the engine's types with a scheme.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &Incident{}, &IncidentList{}, &RemediationWorkflow{}, &RemediationWorkflowList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
