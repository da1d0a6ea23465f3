package httpapi

import "net/http"

// Route is one registered endpoint.
type Route struct {
	// Method is the HTTP method.
	Method string
	// Path is the ServeMux path pattern, e.g. /api/v1/incidents/{id}.
	Path    string
	handler http.Handler
}

// routeTable is every endpoint of the API port. docs/openapi.yaml must list exactly these.
func (s *Server) routeTable() []Route {
	return []Route{
		{http.MethodGet, "/health", http.HandlerFunc(s.health)},
		{http.MethodGet, "/healthz", http.HandlerFunc(s.healthz)},
		{http.MethodGet, "/readyz", http.HandlerFunc(s.readyz)},
		{http.MethodGet, "/metrics", s.metricsEndpoint()},
		{http.MethodGet, "/api/v1/health", http.HandlerFunc(s.deepHealth)},
		{http.MethodGet, "/api/v1/status", http.HandlerFunc(s.engineStatus)},
		{http.MethodGet, "/api/v1/cluster/status", http.HandlerFunc(s.clusterStatus)},
	}
}
