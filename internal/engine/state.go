package engine

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/health"
	"selfhealing.dev/coordination-engine/internal/httpapi"
	"selfhealing.dev/coordination-engine/internal/intake"
	"selfhealing.dev/coordination-engine/internal/platform"
)

// state is what the engine knows about itself; it answers the HTTP layer's health and status
// questions from caches.
type state struct {
	started time.Time
	c       *components
	rec     *records
	// rem is the executor side; nil in tests of the HTTP surface alone.
	rem *remediator
	// autoPolicy is the auto-remediation policy source; readiness waits for its first read.
	autoPolicy *intake.PolicySource
	// inCluster is true when the engine runs in a pod with a service account.
	inCluster bool

	mu       sync.RWMutex
	leader   bool
	synced   bool
	stopping bool
}

var (
	_ httpapi.HealthSource = (*state)(nil)
	_ httpapi.StatusSource = (*state)(nil)
)

func newState(started time.Time, c *components, rec *records, inCluster, leaderWithoutElection bool) *state {
	return &state{started: started, c: c, rec: rec, inCluster: inCluster, leader: leaderWithoutElection}
}

func (s *state) setLeader()   { s.mu.Lock(); s.leader = true; s.mu.Unlock() }
func (s *state) setSynced()   { s.mu.Lock(); s.synced = true; s.mu.Unlock() }
func (s *state) setStopping() { s.mu.Lock(); s.stopping = true; s.mu.Unlock() }

func (s *state) flags() (leader, synced, stopping bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.leader, s.synced, s.stopping
}

// Liveness reads cached dependency states only.
func (s *state) Liveness() httpapi.Liveness {
	deps := map[string]health.State{}
	for name, r := range s.c.monitor.Cached() {
		deps[name] = r.Status
	}
	l := httpapi.Liveness{StartedAt: s.started, Dependencies: deps}
	if info, ok, _ := s.c.discoverer.Current(); ok {
		l.Platform = info.Platform
	}
	return l
}

// Readiness: the Kubernetes API answers, the informer caches have synced, and the engine is not
// shutting down.
func (s *state) Readiness(ctx context.Context) httpapi.Readiness {
	_, synced, stopping := s.flags()
	kube := s.c.monitor.Check(ctx, depKubernetes)[depKubernetes]
	checks := map[string]httpapi.ReadinessCheck{
		"kubernetes": {Ready: kube.Status == health.OK, Message: kube.Message},
		"caches":     {Ready: synced, Message: "informer caches synced"},
		"shutdown":   {Ready: !stopping, Message: "serving"},
	}
	if !synced {
		checks["caches"] = httpapi.ReadinessCheck{Message: "informer caches have not synced yet"}
	}
	checks["incidents"] = indexCheck(s.rec.incidentIndex.Synced(), "incidents")
	checks["workflows"] = indexCheck(s.rec.workflowIndex.Synced(), "remediationworkflows")
	if s.autoPolicy != nil {
		// A signal before the policy is read would be decided by the defaults.
		checks["autoremediation"] = httpapi.ReadinessCheck{Ready: s.autoPolicy.Loaded(), Message: "auto-remediation policy read"}
		if !s.autoPolicy.Loaded() {
			checks["autoremediation"] = httpapi.ReadinessCheck{Message: "the auto-remediation policy ConfigMap has not been read yet"}
		}
	}
	if stopping {
		checks["shutdown"] = httpapi.ReadinessCheck{Message: "shutting down; draining requests"}
	}
	ready := true
	for _, c := range checks {
		ready = ready && c.Ready
	}
	return httpapi.Readiness{Ready: ready, Checks: checks}
}

// DeepHealth checks every dependency (through the monitor's short cache).
func (s *state) DeepHealth(ctx context.Context) httpapi.DeepHealth {
	deps := s.c.monitor.Latest(ctx)
	d := httpapi.DeepHealth{CanAct: deps[depKubernetes].Status == health.OK, Dependencies: deps}
	if r, err := s.c.permissions.Last(); r != nil {
		d.RBAC = r
	} else if err != nil {
		d.RBACError = err.Error()
	}
	if info, ok, _ := s.c.discoverer.Current(); ok {
		d.Platform = &info
	}
	return d
}

// EngineStatus reads cached state only.
func (s *state) EngineStatus(context.Context) httpapi.EngineStatus {
	leader, _, stopping := s.flags()
	es := httpapi.EngineStatus{State: httpapi.StateRunning, Leader: leader, StartedAt: s.started}
	kube := s.c.monitor.Cached()[depKubernetes]
	switch {
	case stopping:
		es.State = httpapi.StateStopping
	case kube.Status == health.Unknown:
		es.State = httpapi.StateStarting
	case kube.Status != health.OK:
		es.State = httpapi.StateDegraded
	}
	if info, ok, _ := s.c.discoverer.Current(); ok {
		es.Platform = &info
	}
	_, _, counts := s.rec.workflows.List("", 0, 0)
	es.Actions = httpapi.ActionCounts{Total: counts.Total, Pending: counts.Pending + counts.AwaitingApproval,
		Running: counts.Running, Completed: counts.Completed, Failed: counts.Failed}
	es.ConflictsTotal, es.ConflictsToday, es.ByLayer = s.workflowStats()
	es.ConflictsResolved = es.ConflictsTotal // the gate decides every conflict when it arises
	if s.rem != nil {
		es.Workers = s.rem.workers
		snap := s.rem.gate.Snapshot()
		es.Safety = &httpapi.SafetyStatus{Paused: snap.Paused, PolicyError: snap.PolicyError, InFlight: snap.InFlight,
			BudgetWindow: snap.BudgetWindow.String(), ClusterUsed: snap.ClusterUsed, ClusterBudget: snap.ClusterBudget,
			Namespaces: snap.NamespaceUsed, NamespaceCap: snap.NamespaceBudget}
		if es.Safety.Namespaces == nil {
			es.Safety.Namespaces = map[string]int{}
		}
	}
	return es
}

// workflowStats counts, from the recorded workflows, the conflicts lost (in total and since
// midnight UTC) and the active steps per layer.
func (s *state) workflowStats() (conflicts, today int, byLayer map[string]int) {
	byLayer = map[string]int{"infrastructure": 0, "platform": 0, "application": 0}
	midnight := time.Now().UTC().Truncate(24 * time.Hour)
	s.rec.workflowIndex.Each(func(wf *v1alpha1.RemediationWorkflow) bool {
		if c := meta.FindStatusCondition(wf.Status.Conditions, v1alpha1.ConditionExecuted); c != nil &&
			(c.Reason == guardrail.ReasonConflictLost || c.Reason == guardrail.ReasonLowConfidence) {
			conflicts++
			if !c.LastTransitionTime.Time.Before(midnight) {
				today++
			}
		}
		if !wf.Phase().Finished() {
			for _, st := range wf.Status.Steps {
				if st.Status == "running" {
					byLayer[st.Layer]++
				}
			}
		}
		return true
	})
	return conflicts, today, byLayer
}

// indexCheck is the readiness of one index of the engine's records.
func indexCheck(synced bool, resource string) httpapi.ReadinessCheck {
	if synced {
		return httpapi.ReadinessCheck{Ready: true, Message: resource + " loaded"}
	}
	return httpapi.ReadinessCheck{Message: resource + " not loaded yet; if this lasts, check that the engine's CRDs " +
		"are installed (config/crd/bases) and that it may list " + resource + " in its namespace"}
}

// platformVersion is the version that names the platform: OpenShift's, else Kubernetes'.
func platformVersion(i platform.Info) string {
	if i.Platform == platform.OpenShift {
		return i.OpenShiftVersion
	}
	return i.KubernetesVersion
}
