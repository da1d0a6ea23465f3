package clusterstate_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/internal/clusterstate"
)

func TestDegradedOperators(t *testing.T) {
	healthy := func(name string) *unstructured.Unstructured {
		return clusterOperator(name, cond("Available", "True", ""), cond("Progressing", "False", ""), cond("Degraded", "False", ""))
	}
	tests := []struct {
		name string
		objs []*unstructured.Unstructured
		want []clusterstate.Operator
	}{
		{"available operators that are not degraded are not listed",
			[]*unstructured.Unstructured{healthy("dns"), healthy("network")}, nil},
		{"a degraded operator is listed with its reason and message",
			[]*unstructured.Unstructured{healthy("dns"), clusterOperator("ingress", cond("Available", "True", ""),
				cond("Degraded", "True", "The deployment has Available status condition set to False"))},
			[]clusterstate.Operator{{Name: "ingress", Condition: "Degraded", Status: "True", Reason: "Test",
				Message: "The deployment has Available status condition set to False"}}},
		{"an unavailable operator that is also degraded is listed twice, sorted",
			[]*unstructured.Unstructured{clusterOperator("monitoring", cond("Available", "True", ""), cond("Degraded", "True", "b")),
				clusterOperator("authentication", cond("Available", "False", "a"), cond("Degraded", "True", "c"))},
			[]clusterstate.Operator{
				{Name: "authentication", Condition: "Available", Status: "False", Reason: "Test", Message: "a"},
				{Name: "authentication", Condition: "Degraded", Status: "True", Reason: "Test", Message: "c"},
				{Name: "monitoring", Condition: "Degraded", Status: "True", Reason: "Test", Message: "b"},
			}},
		{"an operator that has not said it is available is listed",
			[]*unstructured.Unstructured{clusterOperator("storage", cond("Available", "Unknown", "")), clusterOperator("console")},
			[]clusterstate.Operator{
				{Name: "console", Condition: "Available"},
				{Name: "storage", Condition: "Available", Status: "Unknown", Reason: "Test"},
			}},
	}
	c := env.Client(t)
	r := clusterstate.New(c)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apply(t, c, tt.objs...)
			got, err := r.DegradedOperators(t.Context())
			if err != nil {
				t.Fatalf("DegradedOperators() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DegradedOperators() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
