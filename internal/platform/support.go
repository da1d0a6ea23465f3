package platform

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/version"
)

// The tested windows (design principle 7). Outside them the engine still runs and says so.
var (
	minOpenShift  = version.MajorMinor(4, 18)
	maxOpenShift  = version.MajorMinor(4, 21)
	minKubernetes = version.MajorMinor(1, 31)
)

// support judges whether a discovered platform is in the tested window.
func support(i Info) (bool, string) {
	if i.Platform == OpenShift {
		v, err := version.ParseGeneric(i.OpenShiftVersion)
		if err != nil {
			return false, fmt.Sprintf("OpenShift version %q cannot be parsed", i.OpenShiftVersion)
		}
		if v.LessThan(minOpenShift) || maxOpenShift.LessThan(version.MajorMinor(v.Major(), v.Minor())) {
			return false, fmt.Sprintf("OpenShift %s is outside the tested window 4.18-4.21", i.OpenShiftVersion)
		}
		return true, fmt.Sprintf("OpenShift %s is in the tested window 4.18-4.21", i.OpenShiftVersion)
	}
	v, err := version.ParseGeneric(i.KubernetesVersion)
	if err != nil {
		return false, fmt.Sprintf("Kubernetes version %q cannot be parsed", i.KubernetesVersion)
	}
	if v.LessThan(minKubernetes) {
		return false, fmt.Sprintf("Kubernetes %s is older than 1.31, the oldest supported", i.KubernetesVersion)
	}
	return true, fmt.Sprintf("Kubernetes %s is supported (1.31 or newer)", i.KubernetesVersion)
}
