package httpapi

import (
	"net/http"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Route is one registered endpoint.
type Route struct {
	// Method is the HTTP method.
	Method string
	// Path is the ServeMux path pattern, e.g. /api/v1/incidents/{id}.
	Path    string
	handler http.Handler
}

// routeTable is every endpoint of the API port. openapi.yaml must list exactly these (a test
// checks both ways).
func (s *Server) routeTable() []Route {
	return []Route{
		{http.MethodGet, "/health", http.HandlerFunc(s.health)},
		{http.MethodGet, "/healthz", http.HandlerFunc(s.healthz)},
		{http.MethodGet, "/readyz", http.HandlerFunc(s.readyz)},
		{http.MethodGet, "/metrics", s.metricsEndpoint()},
		{http.MethodGet, "/api/v1/health", http.HandlerFunc(s.deepHealth)},
		{http.MethodGet, "/api/v1/status", http.HandlerFunc(s.engineStatus)},
		{http.MethodGet, "/api/v1/cluster/status", http.HandlerFunc(s.clusterStatus)},
		{http.MethodGet, "/api/v1/openapi.yaml", http.HandlerFunc(s.openAPI)},

		{http.MethodGet, "/api/v1/incidents", http.HandlerFunc(s.listIncidents)},
		{http.MethodPost, "/api/v1/incidents", http.HandlerFunc(s.createIncident)},
		{http.MethodGet, "/api/v1/incidents/{id}", http.HandlerFunc(s.getIncident)},
		{http.MethodPut, "/api/v1/incidents/{id}", http.HandlerFunc(s.updateIncident)},
		{http.MethodDelete, "/api/v1/incidents/{id}", http.HandlerFunc(s.cancelIncident)},
		{http.MethodPost, "/api/v1/incidents/{id}/correlate", http.HandlerFunc(s.correlateIncident)},
		{http.MethodGet, "/api/v1/anomalies", http.HandlerFunc(s.listIncidents)},

		{http.MethodPost, "/api/v1/alerts", http.HandlerFunc(s.receiveAlerts)},

		{http.MethodPost, "/api/v1/remediation/trigger", http.HandlerFunc(s.triggerRemediation)},
		{http.MethodPost, "/api/v1/remediate", http.HandlerFunc(s.remediate)},
		{http.MethodPost, "/api/v1/coordination/trigger", http.HandlerFunc(s.triggerCoordination)},
		{http.MethodGet, "/api/v1/workflows", http.HandlerFunc(s.listWorkflows)},
		{http.MethodGet, "/api/v1/workflows/queue", http.HandlerFunc(s.workflowQueue)},
		{http.MethodGet, "/api/v1/workflows/{id}", http.HandlerFunc(s.getWorkflow)},
		{http.MethodPost, "/api/v1/workflows/{id}/approve", s.decideWorkflow(v1alpha1.ApprovalApproved)},
		{http.MethodPost, "/api/v1/workflows/{id}/reject", s.decideWorkflow(v1alpha1.ApprovalRejected)},
		{http.MethodGet, "/actions", http.HandlerFunc(s.listActions)},
		{http.MethodGet, "/api/v1/actions", http.HandlerFunc(s.listActions)},
		{http.MethodGet, "/api/v1/actions/{id}/status", http.HandlerFunc(s.actionStatus)},

		{http.MethodGet, "/api/v1/models", http.HandlerFunc(s.listModels)},
		{http.MethodGet, "/api/v1/models/{model}/health", http.HandlerFunc(s.modelHealth)},
		{http.MethodPost, "/api/v1/detect", http.HandlerFunc(s.predict)},
		{http.MethodPost, "/api/v1/anomalies/analyze", http.HandlerFunc(s.analyzeAnomalies)},

		{http.MethodGet, "/api/v1/detect/deployment/{namespace}/{name}", s.detect("Deployment")},
		{http.MethodGet, "/api/v1/detect/statefulset/{namespace}/{name}", s.detect("StatefulSet")},
		{http.MethodGet, "/api/v1/detect/daemonset/{namespace}/{name}", s.detect("DaemonSet")},
	}
}
