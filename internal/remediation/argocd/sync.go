package argocd

import (
	"encoding/json"
	"fmt"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
)

// Username is initiatedBy.username on the operations the engine requests, as Argo CD shows the
// user who clicked Sync.
const Username = "coordination-engine"

// InfoReason is the name of the operation info item that says why the engine synced.
const InfoReason = "Reason"

// RequestKind is what the engine asks of Argo CD.
type RequestKind string

// Request kinds.
const (
	// RequestSync sets the Application's operation field: Argo CD syncs at once.
	RequestSync RequestKind = "sync"
	// RequestRefresh sets the refresh annotation: Argo CD compares with Git now, and auto-sync
	// rolls out what changed.
	RequestRefresh RequestKind = "refresh"
)

// Refresh types, the values of the refresh annotation.
const (
	RefreshNormal = "normal"
	RefreshHard   = "hard"
)

// Want is the rollout the strategy wants of an Application.
type Want struct {
	// Revision is the revision to sync the edited source to. Pass the source's targetRevision
	// when the commit was pushed to the branch it tracks (Argo CD resolves it to the branch head,
	// which contains the commit, and does not roll back a later commit by someone else); the
	// commit SHA otherwise. Empty means the source's targetRevision.
	Revision string
	// Source is the index of the edited source in Application.Sources (EditableSource's).
	Source int
	// Reason says why, for the operation's info ("incident X, workflow Y").
	Reason string
	// HardRefresh asks for a hard refresh (regenerate manifests) instead of a normal one.
	HardRefresh bool
}

// SyncRequest is a planned request to Argo CD for one Application.
type SyncRequest struct {
	Namespace, Name string
	Kind            RequestKind
	// Revision is sync.revision (one source); Revisions is sync.revisions (several sources).
	Revision  string
	Revisions []string
	// Reason is the Reason info item.
	Reason string
	// Refresh is the refresh annotation's value (with every request: Argo CD compares with Git
	// before a sync, and a refresh is all an auto-synced Application needs).
	Refresh string
	// SyncOptions and Retry are the Application's sync policy's, which a manual sync carries as
	// Argo CD's API server does.
	SyncOptions []string
	Retry       map[string]any
}

// Summary says in one line what the request asks: "sync Application argocd/web to 1a2b3c4".
func (r SyncRequest) Summary() string {
	if r.Kind == RequestRefresh {
		return fmt.Sprintf("refresh Application %s/%s (auto-sync rolls the commit out)", r.Namespace, r.Name)
	}
	rev := r.Revision
	if len(r.Revisions) > 0 {
		rev = fmt.Sprint(r.Revisions)
	}
	return fmt.Sprintf("sync Application %s/%s to %s", r.Namespace, r.Name, rev)
}

// PlanSync decides, without I/O, how to ask Argo CD to roll want out on app, given the sync
// windows of app's project at now. The checks run in order, and the first that blocks returns an
// *action.Refusal:
//
//  1. app is being deleted: v1alpha1.ReasonOwnerNotFound, not retryable;
//  2. auto-sync is on: the windows for automated syncs (v1alpha1.ReasonSyncWindowClosed,
//     retryable), then a refresh only: an operation running does not block it, and Argo CD
//     syncs the new commit after it;
//  3. an operation is requested or running: v1alpha1.ReasonOperationInProgress, retryable;
//  4. the windows for manual syncs: v1alpha1.ReasonSyncWindowClosed, retryable (not retryable
//     when a window cannot be parsed: Argo CD does not sync either until someone fixes it);
//  5. otherwise a sync of the edited source to want.Revision.
func PlanSync(app Application, windows []SyncWindow, want Want, now time.Time) (SyncRequest, error) {
	req := SyncRequest{Namespace: app.Namespace, Name: app.Name, Reason: want.Reason, Refresh: RefreshNormal}
	if want.HardRefresh {
		req.Refresh = RefreshHard
	}
	if app.Deleting {
		return SyncRequest{}, action.Refuse(v1alpha1.ReasonOwnerNotFound, false, "Application %s is being deleted", app.Ref())
	}
	if app.SyncPolicy.Automated {
		if err := checkWindows(app, windows, false, now); err != nil {
			return SyncRequest{}, err
		}
		req.Kind = RequestRefresh
		return req, nil
	}
	if app.Running() {
		return SyncRequest{}, action.Refuse(v1alpha1.ReasonOperationInProgress, true,
			"Application %s has an operation in progress%s; Argo CD runs one at a time", app.Ref(), runningWhat(app))
	}
	if err := checkWindows(app, windows, true, now); err != nil {
		return SyncRequest{}, err
	}
	if want.Source < 0 || want.Source >= len(app.Sources) {
		return SyncRequest{}, fmt.Errorf("sync Application %s: source %d of %d", app.Ref(), want.Source, len(app.Sources))
	}
	req.Kind = RequestSync
	req.SyncOptions, req.Retry = app.SyncPolicy.SyncOptions, app.SyncPolicy.Retry
	revision := want.Revision
	if revision == "" {
		revision = app.Sources[want.Source].TargetRevision
	}
	if !app.MultiSource {
		req.Revision = revision
		return req, nil
	}
	for i, s := range app.Sources {
		if i == want.Source {
			req.Revisions = append(req.Revisions, revision)
			continue
		}
		req.Revisions = append(req.Revisions, s.TargetRevision)
	}
	return req, nil
}

func checkWindows(app Application, windows []SyncWindow, manual bool, now time.Time) error {
	ok, closed, err := SyncAllowed(windows, app, manual, now)
	switch {
	case err != nil:
		return action.Refuse(v1alpha1.ReasonSyncWindowClosed, false,
			"project %s of Application %s has a sync window Argo CD cannot read, and it syncs nothing meanwhile: %v", app.Project, app.Ref(), err)
	case !ok:
		kind := "manual"
		if !manual {
			kind = "automated"
		}
		return action.Refuse(v1alpha1.ReasonSyncWindowClosed, true,
			"sync window %s of project %s blocks %s syncs of Application %s now", closed, app.Project, kind, app.Ref())
	}
	return nil
}

func runningWhat(app Application) string {
	if s := app.Status.OperationState; s != nil && (s.Phase == PhaseRunning || s.Phase == PhaseTerminating) {
		return fmt.Sprintf(" (%s since %s, by %s)", s.Phase, s.StartedAt.Format(time.RFC3339), initiator(s.Operation))
	}
	return fmt.Sprintf(" (requested by %s)", initiator(*app.Operation))
}

func initiator(op Operation) string {
	switch {
	case op.Automated:
		return "auto-sync"
	case op.Username != "":
		return op.Username
	}
	return "someone"
}

// Patch is the JSON merge patch that makes the request. A sync sets the operation field as Argo
// CD's API server does for argocd app sync (initiatedBy, info, sync with the revision, the hook
// strategy, the sync policy's options and retry) and clears status.operationState, which the
// controller then rewrites; every request sets the refresh annotation. resourceVersion, when
// set, makes the patch conditional: the API server refuses it with a Conflict when the
// Application changed since it was read.
func (r SyncRequest) Patch(resourceVersion string) ([]byte, error) {
	meta := map[string]any{"annotations": map[string]any{AnnotationRefresh: r.Refresh}}
	if resourceVersion != "" {
		meta["resourceVersion"] = resourceVersion
	}
	patch := map[string]any{"metadata": meta}
	if r.Kind == RequestSync {
		sync := map[string]any{"syncStrategy": map[string]any{"hook": map[string]any{}}}
		if len(r.Revisions) > 0 {
			sync["revisions"] = r.Revisions
		} else {
			sync["revision"] = r.Revision
		}
		if len(r.SyncOptions) > 0 {
			sync["syncOptions"] = r.SyncOptions
		}
		op := map[string]any{
			"initiatedBy": map[string]any{"username": Username, "automated": false},
			"sync":        sync,
		}
		if r.Reason != "" {
			op["info"] = []any{map[string]any{"name": InfoReason, "value": r.Reason}}
		}
		if len(r.Retry) > 0 {
			op["retry"] = r.Retry
		}
		patch["operation"] = op
		patch["status"] = map[string]any{"operationState": nil}
	}
	data, err := json.Marshal(patch)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", r.Summary(), err)
	}
	return data, nil
}
