package mlservice

import (
	"slices"
	"strings"
)

// Model is one configured KServe model.
type Model struct {
	// Name is the logical name: <NAME> of KSERVE_<NAME>_SERVICE lower-cased, "_" → "-".
	Name string
	// ServerModel is the model's name on its predictor (KSERVE_<NAME>_MODEL, default Name).
	ServerModel string
	// Service is the InferenceService predictor (KSERVE_<NAME>_SERVICE); empty when URL was given.
	Service string
	// URL is the predictor's base URL: KSERVE_<NAME>_URL, else http://<service>.<namespace>.svc:<port>.
	URL string
}

// Registry is the configured models, sorted by Name.
type Registry struct {
	Models []Model
}

// Lookup returns the model with logical name name.
func (r Registry) Lookup(name string) (Model, bool) {
	i, ok := slices.BinarySearchFunc(r.Models, name, func(m Model, n string) int { return strings.Compare(m.Name, n) })
	if !ok {
		return Model{}, false
	}
	return r.Models[i], true
}

// Names returns the logical names in order.
func (r Registry) Names() []string {
	names := make([]string, len(r.Models))
	for i, m := range r.Models {
		names[i] = m.Name
	}
	return names
}

// NewRegistry returns the registry of models, sorted by Name. The engine builds the models from
// its configuration (config.KServeModels, parsed and validated there, with their in-cluster URLs).
func NewRegistry(models []Model) Registry {
	sorted := slices.Clone(models)
	slices.SortFunc(sorted, func(a, b Model) int { return strings.Compare(a.Name, b.Name) })
	return Registry{Models: sorted}
}
