package argocd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/remediation/workload"
)

// Name is the strategy's name on workflows and changes.
const Name = "argocd"

var (
	_ remediation.Strategy = (*Strategy)(nil)
	_ remediation.Follower = (*Strategy)(nil)
)

// MemoryPlanner decides memory-limit raises by the direct strategy's rules, and reads a live
// workload's replica count; *workload.Strategy is one.
type MemoryPlanner interface {
	PlanMemory(ctx context.Context, w managedby.Object, container string) (workload.MemoryRaise, error)
	Replicas(ctx context.Context, w managedby.Object) (int32, error)
}

// Strategy remediates workloads that Argo CD deploys: it changes the file in Git that decides
// the field, commits and pushes, and asks Argo CD to sync. It never patches the workload.
type Strategy struct {
	reader client.Reader
	// apps patches Applications, and only inside the Writer's External (under a permit).
	apps   ApplicationPatcher
	writer *guardrail.Writer
	memory MemoryPlanner
	opts   Options
	now    func() time.Time

	mu sync.Mutex
	// commits remembers the commit each workflow's change made; after a restart it is found
	// again by the commit message's workflow trailer.
	commits map[string]string
	// seen remembers, per workflow and synced revision, what following found, so a revision is
	// cloned and checked once.
	seen map[string]seenRevision
}

// seenRevision is what a synced revision was found to hold.
type seenRevision struct {
	contains bool
	kept     string
}

// New returns the strategy. It reads with reader, patches Applications with apps only under a
// permit through writer, and raises memory limits by memory's rules.
func New(reader client.Reader, apps ApplicationPatcher, writer *guardrail.Writer, memory MemoryPlanner, opts Options, now func() time.Time) *Strategy {
	return &Strategy{reader: reader, apps: apps, writer: writer, memory: memory, opts: opts.withDefaults(), now: now,
		commits: map[string]string{}, seen: map[string]seenRevision{}}
}

// Plan clones the Application's source, makes the edit in the clone and returns the change: the
// commit it would push (the diff) and the sync it would ask for. A repository the engine cannot
// push to returns the change and a v1alpha1.ReasonRepositoryReadOnly refusal: the workflow then
// waits for a person with the diff.
func (s *Strategy) Plan(ctx context.Context, act action.Action, owner managedby.Resolution) (v1alpha1.Change, error) {
	if owner.Method != managedby.ArgoCD {
		return v1alpha1.Change{}, action.Refuse(v1alpha1.ReasonUnsupportedTarget, false, "%s is %s-managed, not by Argo CD", owner.Workload, owner.Method)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	app, err := s.application(ctx, owner)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	src, idx, err := app.EditableSource()
	if err != nil {
		return v1alpha1.Change{}, err
	}
	ws, err := s.checkout(ctx, app, src, "")
	if err != nil {
		return v1alpha1.Change{}, err
	}
	defer ws.close()
	e, err := s.decide(ctx, ws, app, src, act, owner)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	res, err := s.make(ctx, ws, e)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	gc, ch, err := s.change(app, src, idx, ws, e, res.Paths(), act, owner)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	if ch.Patch, err = gc.encode(); err != nil {
		return v1alpha1.Change{}, err
	}
	ch.Diff = res.Diff
	if !res.Changed() {
		ch.Diff = fmt.Sprintf("(no file changes: %s already sets %s to %s at %s; the change is a sync)", gc.RepoURL, e.describe(), e.value, short(gc.Base))
		ch.Summary = fmt.Sprintf("sync Application %s to %s, which already sets %s to %s", app.Ref(), short(gc.Base), e.describe(), e.value)
	}
	return ch, s.writable(ws, gc)
}

// change builds the recorded change for edit e of app's source idx, which changes files.
func (s *Strategy) change(app Application, src Source, idx int, ws *workspace, e edit, files []string, act action.Action, owner managedby.Resolution) (gitChange, v1alpha1.Change, error) {
	base, err := ws.repo.Head()
	if err != nil {
		return gitChange{}, v1alpha1.Change{}, err
	}
	gc := gitChange{AppNamespace: app.Namespace, AppName: app.Name, Source: idx, RepoURL: src.RepoURL, Path: ws.src.Path,
		Branch: ws.repo.Branch(), SourceType: string(ws.src.Type), Namespace: app.Destination.Namespace, Target: e.target,
		Field: string(e.field), Value: e.value, Old: e.old, ValuesFile: e.valuesFile, ValuesPath: e.valuesPath, HelmValue: e.helmValue, Base: base,
		Files: files, Workflow: act.Workflow, Incident: act.Incident}
	if gc.Branch == "" {
		gc.Branch = src.TargetRevision
	}
	where := "and sync Application " + app.Ref()
	if s.opts.PushMode == PushReview {
		gc.Review = gitrepo.ReviewBranch(s.opts.ReviewPrefix, act.Workflow)
		where = "on branch " + gc.Review + " for review"
	}
	what := fmt.Sprintf("set %s to %s (was %s)", e.describe(), e.value, e.old)
	if e.old == "" {
		what = fmt.Sprintf("set %s to %s", e.describe(), e.value)
	}
	summary := fmt.Sprintf("%s in %s (%s), commit %s", what, src.RepoURL, gc.Path, where)
	gc.Message = commitMessage(what, act)
	undo := gc
	undo.Revert = true
	undoJSON, err := undo.encode()
	if err != nil {
		return gitChange{}, v1alpha1.Change{}, err
	}
	w := owner.Workload
	return gc, v1alpha1.Change{Strategy: Name, Operation: v1alpha1.OperationExternal, Undo: undoJSON, Summary: summary,
		Object: v1alpha1.ObjectRef{APIVersion: w.APIVersion, Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}}, nil
}

// writable refuses, with the change in hand, when the engine cannot push where it would.
func (s *Strategy) writable(ws *workspace, gc gitChange) error {
	var err error
	if gc.Review != "" {
		err = gitrepo.RemoteWritable(ws.repo.Remote())
	} else {
		err = ws.repo.Writable()
	}
	var nw *gitrepo.NotWritableError
	if errors.As(err, &nw) {
		return action.Refuse(v1alpha1.ReasonRepositoryReadOnly, false,
			"the engine cannot push to %s: %s. The proposed change is the workflow's diff: commit it yourself and approve the workflow to have the engine sync, or give the engine write access and approve",
			gc.RepoURL, nw.Reason)
	}
	return err
}

// application reads the Application that deploys the workload. An Application whose namespace
// the tracking did not say is looked for by name in every namespace.
func (s *Strategy) application(ctx context.Context, owner managedby.Resolution) (Application, error) {
	name, namespace := owner.Details[managedby.DetailArgoCDApplication], owner.Details[managedby.DetailArgoCDNamespace]
	if name == "" {
		return Application{}, action.Refuse(v1alpha1.ReasonOwnerNotFound, false, "%s is Argo CD-managed, but no Application is named", owner.Workload)
	}
	if namespace == "" {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(ApplicationGVK.GroupVersion().WithKind("ApplicationList"))
		err := s.reader.List(ctx, list, client.MatchingFields{"metadata.name": name})
		if meta.IsNoMatchError(err) {
			list.Items = nil
		} else if err != nil {
			return Application{}, fmt.Errorf("find Application %s: %w", name, err)
		}
		if len(list.Items) != 1 {
			return Application{}, action.Refuse(v1alpha1.ReasonOwnerNotFound, false,
				"%s is tracked by Argo CD Application %q, and %d Applications have that name", owner.Workload, name, len(list.Items))
		}
		namespace = list.Items[0].GetNamespace()
	}
	app, err := ReadApplication(ctx, s.reader, namespace, name)
	if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return Application{}, action.Refuse(v1alpha1.ReasonOwnerNotFound, false,
			"%s is tracked by Argo CD Application %s/%s, which does not exist (or the cluster serves no Argo CD Applications): there is nothing to sync its change through, and it is never patched live",
			owner.Workload, namespace, name)
	}
	if err != nil {
		return Application{}, err
	}
	return app, nil
}
