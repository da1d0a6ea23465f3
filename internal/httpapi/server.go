package httpapi

import (
	"net/http"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"selfhealing.dev/coordination-engine/internal/apiauth"
)

// Options configures the HTTP layer.
type Options struct {
	// Version is the engine version reported by the health endpoints.
	Version string
	// MaxBodyBytes caps request bodies; larger ones get 413.
	MaxBodyBytes int64
	// KServeNamespace is where the models' InferenceServices run, for the model health answers.
	KServeNamespace string
}

// Deps are what the handlers read from.
type Deps struct {
	// Health answers the probes.
	Health HealthSource
	// Status answers the status endpoints.
	Status StatusSource
	// Incidents serves the incident endpoints.
	Incidents Incidents
	// Workflows serves the workflow and Python-era action endpoints.
	Workflows Workflows
	// Remediations takes remediation requests.
	Remediations Remediations
	// Coordinations takes multi-layer coordination requests; nil answers 503.
	Coordinations Coordinations
	// Detector answers the deployment method detection endpoints; nil answers 503.
	Detector Detector
	// Approvals records approvals and rejections; nil answers 503.
	Approvals Approvals
	// Alerts receives Alertmanager's webhook; nil answers 503.
	Alerts Alerts
	// Models serves the model endpoints; nil lists no model (KServe disabled).
	Models Models
	// MLService is the Python ML service's breaker, shown in /api/v1/health; nil when
	// ML_SERVICE_URL is not set.
	MLService BreakerReporter
	// Anomalies analyses metrics; nil answers 503.
	Anomalies Anomalies
	// Auth decides who may call the API (all but the health, metrics and OpenAPI routes); nil
	// lets everyone (API_AUTH_MODE=none).
	Auth apiauth.Authorizer
	// Gatherer is what /metrics exposes.
	Gatherer prometheus.Gatherer
	// Registerer receives the HTTP metrics.
	Registerer prometheus.Registerer
}

// Server is the engine's HTTP API.
type Server struct {
	opts    Options
	deps    Deps
	log     logr.Logger
	now     func() time.Time
	metrics *metrics
	mux     *http.ServeMux
	routes  []Route
	encoded *encodedIncidents
}

// New builds the API server and registers its routes and metrics.
func New(opts Options, deps Deps, log logr.Logger) *Server {
	s := &Server{opts: opts, deps: deps, log: log, now: time.Now, metrics: newMetrics(deps.Registerer), mux: http.NewServeMux(),
		encoded: newEncodedIncidents(50_000)}
	for _, rt := range s.routeTable() {
		s.mux.Handle(rt.Method+" "+rt.Path, rt.handler)
		s.routes = append(s.routes, rt)
	}
	return s
}

// Routes lists the registered routes (for the OpenAPI check and the docs).
func (s *Server) Routes() []Route { return s.routes }

// Handler returns the API port's handler: every route, with metrics, panic recovery, the body
// limit and JSON 404/405 answers.
func (s *Server) Handler() http.Handler { return s.wrap(s.mux) }

// MetricsHandler returns the metrics port's handler: /metrics only, with JSON 404/405 elsewhere.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsEndpoint())
	return s.wrap(mux)
}

func (s *Server) metricsEndpoint() http.Handler {
	// ContinueOnError serves what could be gathered: a scrape never gets a plain-text error page.
	return promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
