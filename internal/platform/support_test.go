package platform

import "testing"

func TestSupportWindow(t *testing.T) {
	tests := []struct {
		name string
		info Info
		want bool
	}{
		{"OpenShift 4.18 is the oldest supported", Info{Platform: OpenShift, OpenShiftVersion: "4.18.0"}, true},
		{"OpenShift 4.21 is the newest supported", Info{Platform: OpenShift, OpenShiftVersion: "4.21.9"}, true},
		{"OpenShift 4.17 is too old", Info{Platform: OpenShift, OpenShiftVersion: "4.17.30"}, false},
		{"OpenShift 4.22 is not tested yet", Info{Platform: OpenShift, OpenShiftVersion: "4.22.0"}, false},
		{"an unparsable OpenShift version is not supported", Info{Platform: OpenShift, OpenShiftVersion: "next"}, false},
		{"Kubernetes 1.31 is supported", Info{Platform: Kubernetes, KubernetesVersion: "v1.31.14"}, true},
		{"Kubernetes 1.37 is supported", Info{Platform: Kubernetes, KubernetesVersion: "v1.37.2"}, true},
		{"Kubernetes 1.30 is too old", Info{Platform: Kubernetes, KubernetesVersion: "v1.30.14"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := support(tt.info)
			if got != tt.want || msg == "" {
				t.Errorf("support(%+v) = %v %q, want %v with a message", tt.info, got, msg, tt.want)
			}
		})
	}
}
