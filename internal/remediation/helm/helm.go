package helm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/remediation/workload"
)

// Name is the strategy's name on workflows and changes.
const Name = "helm"

var (
	_ remediation.Strategy = (*Strategy)(nil)
	_ remediation.Follower = (*Strategy)(nil)
)

// MemoryPlanner decides a memory raise on the live workload; *workload.Strategy is one.
type MemoryPlanner interface {
	PlanMemory(ctx context.Context, w managedby.Object, container string) (workload.MemoryRaise, error)
}

// WorkloadPlanner is MemoryPlanner that also plans restarts of the live workload, by the
// direct strategy's rules; *workload.Strategy is one.
type WorkloadPlanner interface {
	MemoryPlanner
	PlanRestart(ctx context.Context, w managedby.Object) (v1alpha1.Change, error)
}

// Strategy changes Helm releases with the Helm SDK.
type Strategy struct {
	config    *rest.Config
	discovery discovery.CachedDiscoveryInterface
	releases  *Releases
	reader    client.Reader
	writer    *guardrail.Writer
	memory    WorkloadPlanner
	opts      Options
	now       func() time.Time
}

// New returns the strategy. It reads release records and runs Helm actions with cfg (Helm's
// kube client needs a rest.Config; every run is inside writer.External under a permit), reads
// workloads with reader, and takes memory raises from planner. log receives Helm's own logging.
func New(cfg *rest.Config, reader client.Reader, writer *guardrail.Writer, planner WorkloadPlanner, opts Options, log logr.Logger, now func() time.Time) (*Strategy, error) {
	rels, err := NewReleases(cfg, log)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("helm discovery: %w", err)
	}
	return &Strategy{config: rest.CopyConfig(cfg), discovery: memory.NewMemCacheClient(dc), releases: rels, reader: reader,
		writer: writer, memory: planner, opts: opts.withDefaults(), now: now}, nil
}

// state is a release as planning sees it.
type state struct {
	name, namespace string
	hist            []*release.Release
	latest          *release.Release
	// stuck is set when the latest revision is pending past Options.PendingTimeout.
	stuck bool
}

// Plan computes the rollback or upgrade of the release that owns the workload, changing
// nothing. It refuses (an *action.Refusal) a release with an operation pending (retryable), a
// rollback with no earlier deployed revision, a raise with no proven values path, a restart,
// and actions it does not carry out; it returns ErrNotHelmManaged for a target no Helm release
// owns and ErrReleaseNotFound when the release has no records.
func (s *Strategy) Plan(ctx context.Context, act action.Action, owner managedby.Resolution) (v1alpha1.Change, error) {
	name, ns := owner.Details[managedby.DetailHelmRelease], owner.Details[managedby.DetailHelmNamespace]
	if owner.Method != managedby.Helm || name == "" || ns == "" {
		return v1alpha1.Change{}, fmt.Errorf("plan %s: %w (%s-managed)", act, ErrNotHelmManaged, owner.Method)
	}
	st, err := s.state(ctx, ns, name)
	if errors.Is(err, ErrReleaseNotFound) {
		return v1alpha1.Change{}, action.Refuse(v1alpha1.ReasonOwnerNotFound, false,
			"%s names Helm release %s/%s, which has no records (uninstalled, or its Secrets deleted): nothing to change it through", owner.Workload, ns, name)
	}
	if err != nil {
		return v1alpha1.Change{}, err
	}
	if act.Type == action.Restart {
		// A restart is no release change (the same chart and values render the same
		// manifests): the workload's restartedAt annotation, as `kubectl rollout restart`
		// sets it. Helm keeps a field its manifests never set across later upgrades and
		// rollbacks (its three-way merge leaves it alone, and so does server-side apply, where
		// it belongs to another field manager), so the release does not fight it.
		ch, err := s.memory.PlanRestart(ctx, owner.Workload)
		ch.Strategy = Name
		ch.Summary += fmt.Sprintf(" (Helm release %s/%s keeps the restart annotation across upgrades)", ns, name)
		return ch, err
	}
	var op operation
	var ch v1alpha1.Change
	switch act.Type {
	case action.Rollback:
		op, ch, err = s.planRollback(st, act, owner)
	case action.SetMemoryLimit:
		op, ch, err = s.planMemory(ctx, st, act, owner)
	case action.Scale:
		op, ch, err = s.planScale(ctx, st, act, owner)
	default:
		err = action.Refuse(ReasonUnsupportedAction, false, "the Helm strategy does not carry out %s", act.Type)
	}
	if err != nil {
		return v1alpha1.Change{}, err
	}
	if st.stuck {
		op.MarkFailed = st.latest.Version
		ch.Summary = fmt.Sprintf("mark revision %d, stuck %s since %s, failed, then %s", st.latest.Version, status(st.latest),
			st.latest.Info.LastDeployed.UTC().Format(time.RFC3339), ch.Summary)
	}
	ch.Strategy = Name
	ch.Object = v1alpha1.ObjectRef{APIVersion: owner.Workload.APIVersion, Kind: owner.Workload.Kind,
		Namespace: owner.Workload.Namespace, Name: owner.Workload.Name}
	ch.Operation = v1alpha1.OperationExternal
	ch.Patch = op.encode()
	return ch, nil
}

// state reads the release and decides whether its latest revision blocks a change: pending
// and young is refused as retryable, pending and old is stuck.
func (s *Strategy) state(ctx context.Context, namespace, name string) (state, error) {
	hist, err := s.releases.History(ctx, namespace, name)
	if err != nil {
		return state{}, err
	}
	st := state{name: name, namespace: namespace, hist: hist, latest: hist[len(hist)-1]}
	if !status(st.latest).IsPending() {
		return st, nil
	}
	age := s.now().Sub(st.latest.Info.LastDeployed)
	if age < s.opts.PendingTimeout {
		return state{}, action.Refuse(ReasonReleasePending, true,
			"Helm release %s/%s revision %d is %s (for %s, less than %s): another install, upgrade or rollback may be running",
			namespace, name, st.latest.Version, status(st.latest), age.Round(time.Second), s.opts.PendingTimeout)
	}
	st.stuck = true
	return st, nil
}

// undoTo is the revision an undo rolls back to: the latest at plan time when it is deployed,
// else Helm's deployed one, else the last good one; 0 when there is none.
func (st state) undoTo() int {
	if status(st.latest) == rcommon.StatusDeployed {
		return st.latest.Version
	}
	if d := Deployed(st.hist); d != nil {
		return d.Version
	}
	if g := LastGood(st.hist); g != nil {
		return g.Version
	}
	return 0
}

// undo is the change's Undo: roll back to undoTo over the revision the operation makes.
func (st state) undo(act action.Action) string {
	to := st.undoTo()
	if to == 0 {
		return ""
	}
	return operation{Release: st.name, Namespace: st.namespace, Revision: st.latest.Version + 1, Kind: kindRollback, ToRevision: to,
		Description: describe(act.Workflow, st.latest.Version+1, fmt.Sprintf("undo, roll back to revision %d", to))}.encode()
}
