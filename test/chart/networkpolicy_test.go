package chart

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func namespacePeer(name string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
		MatchLabels: map[string]string{"kubernetes.io/metadata.name": name}}}
}

// The NetworkPolicy lets the release namespace reach the API (8080) and OpenShift's monitoring
// reach /metrics (9090) by default, the peers values name otherwise, and leaves egress open.
func TestChartNetworkPolicy(t *testing.T) {
	sameNamespace := networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{}}
	monitoring := []networkingv1.NetworkPolicyPeer{namespacePeer("openshift-monitoring"), namespacePeer("openshift-user-workload-monitoring")}
	tests := []struct {
		name        string
		values      map[string]any
		api, scrape []networkingv1.NetworkPolicyPeer
	}{
		{"the defaults", nil, []networkingv1.NetworkPolicyPeer{sameNamespace}, monitoring},
		{"Alertmanager's namespace added, Prometheus elsewhere", map[string]any{"networkPolicy": map[string]any{
			"api": map[string]any{"from": []any{map[string]any{"podSelector": map[string]any{}},
				map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "openshift-monitoring"}}}}},
			"metrics": map[string]any{"from": []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}}}}},
		}}, []networkingv1.NetworkPolicyPeer{sameNamespace, namespacePeer("openshift-monitoring")}, []networkingv1.NetworkPolicyPeer{namespacePeer("monitoring")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := render(t, tt.values)
			var np networkingv1.NetworkPolicy
			if err := objs.Into("NetworkPolicy", Name, &np); err != nil {
				t.Fatal(err)
			}
			d := deployment(t, objs)
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				t.Errorf("NetworkPolicy selects %v, want the engine's pods", np.Spec.PodSelector)
			}
			if diff := cmp.Diff([]networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, np.Spec.PolicyTypes); diff != "" {
				t.Errorf("policyTypes (-want +got), egress must stay open:\n%s", diff)
			}
			want := []networkingv1.NetworkPolicyIngressRule{
				{Ports: []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromString("http")), Protocol: ptr.To(corev1.ProtocolTCP)}}, From: tt.api},
				{Ports: []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromString("metrics")), Protocol: ptr.To(corev1.ProtocolTCP)}}, From: tt.scrape},
			}
			if diff := cmp.Diff(want, np.Spec.Ingress); diff != "" {
				t.Errorf("ingress (-want +got):\n%s", diff)
			}
		})
	}
	if off := render(t, map[string]any{"networkPolicy": map[string]any{"enabled": false}}); len(off.OfKind("NetworkPolicy")) != 0 {
		t.Error("a NetworkPolicy with networkPolicy.enabled=false")
	}
}
