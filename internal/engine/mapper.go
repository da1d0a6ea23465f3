package engine

import (
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// ownKindsMapper answers REST mappings of the engine's own kinds without asking the API server,
// and everything else through the dynamic (discovery-backed) mapper. The manager needs the
// engine's kinds' scope when it is created; this way it can be created while the API server is
// unreachable, and the engine keeps serving /health.
type ownKindsMapper struct {
	meta.RESTMapper
	own *meta.DefaultRESTMapper
}

func newMapper(cfg *rest.Config, httpClient *http.Client) (meta.RESTMapper, error) {
	dynamic, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	own := meta.NewDefaultRESTMapper([]schema.GroupVersion{v1alpha1.GroupVersion})
	for _, kind := range []string{"Incident", "RemediationWorkflow"} {
		own.Add(v1alpha1.GroupVersion.WithKind(kind), meta.RESTScopeNamespace)
	}
	return &ownKindsMapper{RESTMapper: dynamic, own: own}, nil
}

// RESTMapping answers the engine's kinds from the static table.
func (m *ownKindsMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	if gk.Group == v1alpha1.GroupVersion.Group {
		return m.own.RESTMapping(gk, versions...)
	}
	return m.RESTMapper.RESTMapping(gk, versions...)
}

// RESTMappings answers the engine's kinds from the static table.
func (m *ownKindsMapper) RESTMappings(gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	if gk.Group == v1alpha1.GroupVersion.Group {
		return m.own.RESTMappings(gk, versions...)
	}
	return m.RESTMapper.RESTMappings(gk, versions...)
}
