package mlservice

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRegistryIsSortedAndLooksUpByName(t *testing.T) {
	reg := NewRegistry([]Model{{Name: "predictive-analytics", ServerModel: "predictive-analytics"}, {Name: "anomaly-detector", ServerModel: "isolation-forest"}})
	if diff := cmp.Diff([]string{"anomaly-detector", "predictive-analytics"}, reg.Names()); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}
	if m, ok := reg.Lookup("anomaly-detector"); !ok || m.ServerModel != "isolation-forest" {
		t.Errorf("Lookup(anomaly-detector) = %v, %v, want the isolation-forest predictor model", m, ok)
	}
	if _, ok := reg.Lookup("missing"); ok {
		t.Errorf("Lookup(missing) found a model, want none")
	}
}
