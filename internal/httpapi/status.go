package httpapi

import (
	"context"
	"net/http"
	"time"

	"selfhealing.dev/coordination-engine/internal/platform"
)

// StatusSource reports the engine's state for the status endpoints.
type StatusSource interface {
	// EngineStatus returns the engine's current state; it reads caches only.
	EngineStatus(ctx context.Context) EngineStatus
}

// Engine states.
const (
	// StateStarting is before the first contact with the Kubernetes API.
	StateStarting = "starting"
	// StateRunning is the normal state.
	StateRunning = "running"
	// StateDegraded is running without the Kubernetes API or with a dependency down.
	StateDegraded = "degraded"
	// StateStopping is after SIGTERM, while requests drain.
	StateStopping = "stopping"
)

// EngineStatus is the engine's state as the status endpoints show it.
type EngineStatus struct {
	// State is one of the State constants.
	State string
	// Leader is true while this replica holds the leader Lease (or leader election is off).
	Leader bool
	// StartedAt is when the process started.
	StartedAt time.Time
	// Workers is how many workflow workers run.
	Workers int
	// Actions counts remediation actions by phase.
	Actions ActionCounts
	// ConflictsTotal and ConflictsResolved count conflicts between actions.
	ConflictsTotal, ConflictsResolved int
	// ConflictsToday counts conflicts since midnight UTC.
	ConflictsToday int
	// ByLayer counts active workflow steps per layer (infrastructure, platform, application).
	ByLayer map[string]int
	// Platform is the last discovery; nil before the first.
	Platform *platform.Info
	// Safety is the safety gate's state; nil when the engine has none.
	Safety *SafetyStatus
}

// SafetyStatus is the safety gate's state: is automation paused, is the policy valid, how much
// of the action budget is used.
type SafetyStatus struct {
	Paused        bool           `json:"paused"`
	PolicyError   string         `json:"policy_error"`
	InFlight      int            `json:"in_flight"`
	BudgetWindow  string         `json:"budget_window"`
	ClusterUsed   int            `json:"cluster_used"`
	ClusterBudget int            `json:"cluster_budget"`
	Namespaces    map[string]int `json:"namespaces_used"`
	NamespaceCap  int            `json:"namespace_budget"`
}

// ActionCounts counts remediation actions (workflows) by phase.
type ActionCounts struct {
	Total     int `json:"total"`
	Pending   int `json:"pending"`
	Running   int `json:"running"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

type engineBody struct {
	State         string  `json:"state"`
	Leader        bool    `json:"leader"`
	Version       string  `json:"version"`
	StartedAt     string  `json:"started_at"`
	UptimeSeconds float64 `json:"uptime_seconds"`
}

type workflowsBody struct {
	Active int `json:"active"`
	Queued int `json:"queued"`
}

type statusBody struct {
	Status         string         `json:"status"`
	Timestamp      string         `json:"timestamp"`
	Engine         engineBody     `json:"engine"`
	Workflows      workflowsBody  `json:"workflows"`
	ConflictsToday int            `json:"conflicts_today"`
	ByLayer        map[string]int `json:"by_layer"`
	Platform       *platformBody  `json:"platform"`
	Safety         *SafetyStatus  `json:"safety"`
}

type platformBody struct {
	*platform.Info
	Name    string `json:"name"`
	Version string `json:"version"`
}

// engineStatus answers GET /api/v1/status.
func (s *Server) engineStatus(w http.ResponseWriter, r *http.Request) {
	st := s.deps.Status.EngineStatus(r.Context())
	now := s.now().UTC()
	body := statusBody{
		Status: st.State, Timestamp: now.Format(time.RFC3339),
		Engine: engineBody{State: st.State, Leader: st.Leader, Version: s.opts.Version,
			StartedAt: st.StartedAt.UTC().Format(time.RFC3339), UptimeSeconds: now.Sub(st.StartedAt).Seconds()},
		Workflows:      workflowsBody{Active: st.Actions.Running, Queued: st.Actions.Pending},
		ConflictsToday: st.ConflictsToday, ByLayer: st.ByLayer, Safety: st.Safety,
	}
	if st.Platform != nil {
		p := platformBody{Info: st.Platform, Name: st.Platform.Platform, Version: st.Platform.KubernetesVersion}
		if st.Platform.Platform == platform.OpenShift {
			p.Version = st.Platform.OpenShiftVersion
		}
		body.Platform = &p
	}
	writeJSON(w, http.StatusOK, body)
}

type clusterStatusBody struct {
	Status    string       `json:"status"`
	Timestamp string       `json:"timestamp"`
	Actions   ActionCounts `json:"actions"`
	Conflicts struct {
		Total    int `json:"total"`
		Resolved int `json:"resolved"`
	} `json:"conflicts"`
	Engine struct {
		Running       bool    `json:"running"`
		QueueLength   int     `json:"queue_length"`
		WorkersCount  int     `json:"workers_count"`
		Uptime        string  `json:"uptime"`
		UptimeSeconds float64 `json:"uptime_seconds"`
	} `json:"engine"`
}

// clusterStatus answers GET /api/v1/cluster/status in the Python engine's shape, which the MCP
// server's client struct decodes. uptime is a Go duration string; uptime_seconds is its float twin.
func (s *Server) clusterStatus(w http.ResponseWriter, r *http.Request) {
	st := s.deps.Status.EngineStatus(r.Context())
	now := s.now().UTC()
	var b clusterStatusBody
	b.Status = "healthy"
	if st.State != StateRunning {
		b.Status = st.State
	}
	b.Timestamp = now.Format(time.RFC3339)
	b.Actions = st.Actions
	b.Conflicts.Total, b.Conflicts.Resolved = st.ConflictsTotal, st.ConflictsResolved
	b.Engine.Running = st.State == StateRunning || st.State == StateDegraded
	b.Engine.QueueLength = st.Actions.Pending
	b.Engine.WorkersCount = st.Workers
	up := now.Sub(st.StartedAt)
	b.Engine.Uptime, b.Engine.UptimeSeconds = up.Round(time.Second).String(), up.Seconds()
	writeJSON(w, http.StatusOK, b)
}
