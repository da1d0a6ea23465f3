package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"selfhealing.dev/coordination-engine/internal/clusterstate"
	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/remediation/node"
	"selfhealing.dev/coordination-engine/internal/remediation/workload"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// remediator is the workflow executor and what it is made of: the safety gate with its policy,
// the guarded writer and the strategies.
type remediator struct {
	executor *remediation.Executor
	gate     *guardrail.Gate
	policy   *guardrail.PolicySource
	workers  int
	// seeded is set once the gate knows what the recorded workflows did; the executor waits
	// for it.
	seeded atomic.Bool
}

// newRemediator builds the executor and registers it, the policy source and the gate's seeding
// with mgr. Strategies read with the manager's API reader (uncached: the engine does not cache
// every workload) and write only through the guardrail's Writer.
func newRemediator(cfg config.Options, mgr manager.Manager, cs kubernetes.Interface, tm *telemetry.Metrics, rec *records,
	resolver *managedby.Resolver, log logr.Logger) (*remediator, error) {
	reader := mgr.GetAPIReader()
	writer := guardrail.NewWriter(mgr.GetClient(), mgr.GetEventRecorder("coordination-engine"), tm, log.WithName("guardrail"))
	policy := guardrail.NewPolicySource(cs, cfg.Namespace, cfg.SafetyConfigMap, log.WithName("policy"))
	if err := mgr.Add(policy); err != nil {
		return nil, fmt.Errorf("add safety policy source: %w", err)
	}
	gate := guardrail.NewGate(policy.Policy, tm, time.Now, log.WithName("gate"))
	byMethod, direct, err := strategies(cfg, mgr, writer, log)
	if err != nil {
		return nil, err
	}
	state := clusterstate.New(reader)
	ex := remediation.NewExecutor(remediation.ExecutorDeps{
		Client: mgr.GetClient(), APIReader: reader, Resolver: resolver, Gate: &scopedGate{gate: gate, reader: reader},
		Notifier: writer, DryRunner: writer, Incidents: rec.incidents, History: rec.workflowIndex,
		Health: nodeHealth{verifier: remediation.NewVerifier(reader), state: state, reader: reader}, Rollout: rolloutOf(direct), Metrics: tm,
		Strategies: byMethod, Nodes: node.New(reader, writer, node.DefaultOptions(), time.Now),
		Platform: platformLayer{state: state, reader: reader},
	}, remediation.ExecutorOptions{VerifyWindow: cfg.VerifyWindow, VerifyTimeout: cfg.VerifyTimeout}, log.WithName("executor"))
	r := &remediator{executor: ex, gate: gate, policy: policy, workers: ex.Workers()}
	ex.Ready = r.seeded.Load
	return r, nil
}

// start seeds the gate from the recorded workflows once this replica leads and its caches have
// synced, then registers the executor: cooldowns and budgets survive restarts, and no workflow
// is reconciled before the gate knows what was done.
func (r *remediator) start(mgr manager.Manager, rec *records) error {
	seed := manager.RunnableFunc(func(ctx context.Context) error {
		// The index has seen every recorded workflow once it reports synced (the cache's own
		// sync does not say its handlers ran).
		for !rec.workflowIndex.Synced() {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(50 * time.Millisecond):
			}
		}
		r.gate.Seed(appliedRecords(rec.workflowIndex))
		r.executor.ResumeFirst(inFlight(rec.workflowIndex), time.Now().Add(time.Minute))
		r.seeded.Store(true)
		return nil
	})
	if err := mgr.Add(seed); err != nil {
		return fmt.Errorf("add gate seeding: %w", err)
	}
	if err := r.executor.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up the workflow executor: %w", err)
	}
	return nil
}

// rolloutOf adapts the direct strategy's rollout facts to what the action catalogue asks.
func rolloutOf(s *workload.Strategy) remediation.RolloutReader {
	return func(ctx context.Context, w managedby.Object) (remediation.Rollout, error) {
		f, err := s.Rollout(ctx, w)
		if err != nil {
			return remediation.Rollout{}, err
		}
		return remediation.Rollout{
			StartedWithLatestRollout: f.PreviousHealthy && f.Current.ReadyPods < f.Replicas,
			PreviousHealthy:          f.PreviousHealthy,
		}, nil
	}
}
