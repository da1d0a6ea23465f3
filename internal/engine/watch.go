package engine

import (
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/detection"
	"selfhealing.dev/coordination-engine/internal/intake"
	"selfhealing.dev/coordination-engine/internal/projection"
	"selfhealing.dev/coordination-engine/internal/telemetry"
	"selfhealing.dev/coordination-engine/internal/watcher"
)

// newIntake builds the intake with its policy source, registered with mgr (every replica: any
// replica may receive an alert).
func newIntake(cfg config.Options, mgr manager.Manager, cs kubernetes.Interface, rec *records, log logr.Logger) (*intake.Intake, *intake.PolicySource, error) {
	policy := intake.NewPolicySource(cs, cfg.Namespace, cfg.AutoRemediationConfigMap, log.WithName("autoremediation"))
	if err := mgr.Add(policy); err != nil {
		return nil, nil, fmt.Errorf("add auto-remediation policy source: %w", err)
	}
	in := intake.New(rec.incidents, rec.requests, workflowPhases{rec.workflowIndex}, policy.Policy, log.WithName("intake"))
	return in, policy, nil
}

// addWatcher registers the cluster watchers with mgr; they run on the leader.
func addWatcher(cfg config.Options, mgr manager.Manager, cs kubernetes.Interface, in *intake.Intake, tm *telemetry.Metrics, log logr.Logger) error {
	if !cfg.WatchEnabled {
		log.Info("Cluster watchers are off (WATCH_ENABLED=false): problems are found only through the API and alerts")
		return nil
	}
	dyn, err := dynamic.NewForConfig(mgr.GetConfig())
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	w := watcher.New(cs, dyn, in, watcher.Options{
		Debounce: cfg.WatchDebounce, Resignal: cfg.WatchResignal,
		Detection: detection.Options{CrashLoopRestarts: int32(cfg.CrashLoopRestarts), Now: time.Now},
	}, tm, log.WithName("watcher"))
	if err := mgr.Add(w); err != nil {
		return fmt.Errorf("add cluster watchers: %w", err)
	}
	return nil
}

// workflowPhases answers the intake's questions about workflows from the index.
type workflowPhases struct {
	index *projection.Index[*v1alpha1.RemediationWorkflow]
}

func (w workflowPhases) Phase(name string) (v1alpha1.WorkflowPhase, bool) {
	wf, ok := w.index.Get(name)
	if !ok {
		return "", false
	}
	return wf.Phase(), true
}
