package httpapi

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"time"

	"selfhealing.dev/coordination-engine/internal/health"
	"selfhealing.dev/coordination-engine/internal/mlservice"
	"selfhealing.dev/coordination-engine/internal/permissions"
	"selfhealing.dev/coordination-engine/internal/platform"
)

// HealthSource answers the probes.
type HealthSource interface {
	// Liveness reports what /health shows. It must not do I/O: it reads cached state only.
	Liveness() Liveness
	// Readiness checks whether the engine can do its job now.
	Readiness(ctx context.Context) Readiness
	// DeepHealth checks every dependency (results may come from a short cache).
	DeepHealth(ctx context.Context) DeepHealth
}

// Liveness is the cached state /health adds to its fixed "status":"ok".
type Liveness struct {
	// StartedAt is when the process started.
	StartedAt time.Time
	// Platform is the detected platform, empty before discovery.
	Platform string
	// Dependencies are the last known dependency states.
	Dependencies map[string]health.State
}

// Readiness is the answer of /readyz.
type Readiness struct {
	// Ready is true when every check passes.
	Ready bool
	// Checks are the individual checks by name.
	Checks map[string]ReadinessCheck
}

// ReadinessCheck is one readiness condition.
type ReadinessCheck struct {
	// Ready says whether it holds.
	Ready bool `json:"ready"`
	// Message says why.
	Message string `json:"message"`
}

// DeepHealth is the answer of /api/v1/health.
type DeepHealth struct {
	// CanAct is false when the engine cannot act at all (Kubernetes unreachable): 503.
	CanAct bool
	// Dependencies are the states of kubernetes, ml_service, kserve, argocd, prometheus.
	Dependencies map[string]health.Result
	// RBAC is the last permissions self-check; nil before the first.
	RBAC *permissions.Report
	// RBACError is the error of the last self-check attempt.
	RBACError string
	// Platform is the last discovery; nil before the first.
	Platform *platform.Info
}

type livenessBody struct {
	Status        string                  `json:"status"`
	Version       string                  `json:"version"`
	Timestamp     string                  `json:"timestamp"`
	StartedAt     string                  `json:"started_at"`
	UptimeSeconds float64                 `json:"uptime_seconds"`
	Platform      string                  `json:"platform,omitempty"`
	Dependencies  map[string]health.State `json:"dependencies"`
}

// health answers GET /health: always 200 "ok" while the server runs (the platform's liveness,
// readiness and startup probe and the MCP server's init container depend on it), with cached
// dependency states as information.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	l := s.deps.Health.Liveness()
	now := s.now().UTC()
	writeJSON(w, http.StatusOK, livenessBody{
		Status: "ok", Version: s.opts.Version, Timestamp: now.Format(time.RFC3339),
		StartedAt: l.StartedAt.UTC().Format(time.RFC3339), UptimeSeconds: now.Sub(l.StartedAt).Seconds(),
		Platform: l.Platform, Dependencies: l.Dependencies,
	})
}

// healthz answers GET /healthz: the process serves.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type readinessBody struct {
	Status string                    `json:"status"`
	Error  string                    `json:"error,omitempty"`
	Checks map[string]ReadinessCheck `json:"checks"`
}

// readyz answers GET /readyz: 200 when the engine can do its job, else 503 naming each failing
// check.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	rd := s.deps.Health.Readiness(r.Context())
	if rd.Ready {
		writeJSON(w, http.StatusOK, readinessBody{Status: "ready", Checks: rd.Checks})
		return
	}
	msg := "not ready:"
	for _, name := range slices.Sorted(maps.Keys(rd.Checks)) {
		if c := rd.Checks[name]; !c.Ready {
			msg += " " + name + ": " + c.Message + ";"
		}
	}
	writeJSON(w, http.StatusServiceUnavailable, readinessBody{Status: "not ready", Error: msg, Checks: rd.Checks})
}

type rbacBody struct {
	Status    string                    `json:"status"`
	Message   string                    `json:"message"`
	Checked   int                       `json:"checked"`
	Missing   []permissions.Requirement `json:"missing"`
	CheckedAt string                    `json:"checked_at,omitempty"`
}

type deepHealthBody struct {
	Status       string                   `json:"status"`
	Error        string                   `json:"error,omitempty"`
	Version      string                   `json:"version"`
	Timestamp    string                   `json:"timestamp"`
	Dependencies map[string]health.Result `json:"dependencies"`
	RBAC         rbacBody                 `json:"rbac"`
	Platform     *platform.Info           `json:"platform"`
	// CircuitBreakers are the model endpoints' breaker states: closed, half_open, open.
	CircuitBreakers map[string]string `json:"circuit_breakers"`
}

// deepHealth answers GET /api/v1/health: every dependency's state, the RBAC self-check and the
// platform. 200 while the engine can act (degraded included), 503 when it cannot act at all.
func (s *Server) deepHealth(w http.ResponseWriter, r *http.Request) {
	d := s.deps.Health.DeepHealth(r.Context())
	body := deepHealthBody{Status: "healthy", Version: s.opts.Version, Timestamp: s.now().UTC().Format(time.RFC3339),
		Dependencies: d.Dependencies, RBAC: rbacSummary(d), Platform: d.Platform}
	for _, dep := range d.Dependencies {
		if dep.Status == health.Down || dep.Status == health.Degraded {
			body.Status = "degraded"
		}
	}
	if body.RBAC.Status != "ok" {
		body.Status = "degraded"
	}
	body.CircuitBreakers = s.breakers()
	for _, st := range body.CircuitBreakers {
		if st == string(mlservice.StateOpen) {
			body.Status = "degraded"
		}
	}
	status := http.StatusOK
	if !d.CanAct {
		status, body.Status = http.StatusServiceUnavailable, "unhealthy"
		body.Error = "the engine cannot act: " + d.Dependencies["kubernetes"].Message
	}
	writeJSON(w, status, body)
}

func rbacSummary(d DeepHealth) rbacBody {
	switch {
	case d.RBAC == nil && d.RBACError != "":
		return rbacBody{Status: "unknown", Message: "permission self-check failed: " + d.RBACError, Missing: []permissions.Requirement{}}
	case d.RBAC == nil:
		return rbacBody{Status: "unknown", Message: "permission self-check has not run yet", Missing: []permissions.Requirement{}}
	case len(d.RBAC.Missing) > 0:
		return rbacBody{Status: "degraded", Message: "some permissions are missing; the features that need them are off",
			Checked: d.RBAC.Checked, Missing: d.RBAC.Missing, CheckedAt: d.RBAC.CheckedAt.UTC().Format(time.RFC3339)}
	default:
		return rbacBody{Status: "ok", Message: "every permission the engine uses is granted",
			Checked: d.RBAC.Checked, Missing: d.RBAC.Missing, CheckedAt: d.RBAC.CheckedAt.UTC().Format(time.RFC3339)}
	}
}

// BreakerReporter tells the state of one endpoint's circuit breaker.
type BreakerReporter interface {
	BreakerState() mlservice.State
}

// breakers are the model endpoints' circuit-breaker states: "ml_service" and "kserve/<model>".
func (s *Server) breakers() map[string]string {
	out := map[string]string{}
	if s.deps.MLService != nil {
		out["ml_service"] = string(s.deps.MLService.BreakerState())
	}
	if s.deps.Models == nil {
		return out
	}
	for _, name := range s.deps.Models.Registry().Names() {
		if st, ok := s.deps.Models.BreakerState(name); ok {
			out["kserve/"+name] = string(st)
		}
	}
	return out
}
