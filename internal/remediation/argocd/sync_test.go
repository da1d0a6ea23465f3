package argocd_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/remediation/argocd"
)

func parse(t *testing.T, u *unstructured.Unstructured) argocd.Application {
	t.Helper()
	app, err := argocd.ParseApplication(u)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func TestPlanSync(t *testing.T) {
	deny := []argocd.SyncWindow{window("deny", "0 10 * * *", "1h")}
	running := withStatus(map[string]any{"operationState": map[string]any{"phase": "Running", "startedAt": "2026-03-04T10:29:00Z",
		"operation": map[string]any{"initiatedBy": map[string]any{"automated": true}, "sync": map[string]any{}}}})
	deleting := func(obj map[string]any) {
		obj["metadata"].(map[string]any)["deletionTimestamp"] = "2026-03-04T10:00:00Z"
	}
	tests := []struct {
		name       string
		app        *unstructured.Unstructured
		windows    []argocd.SyncWindow
		want       argocd.RequestKind
		wantReason string
	}{
		{name: "a manual Application is synced", app: application("argocd", "web"), want: argocd.RequestSync},
		{name: "an auto-synced Application is only refreshed", app: application("argocd", "web", withAutoSync), want: argocd.RequestRefresh},
		{name: "an auto-synced Application is refreshed while an operation runs", app: application("argocd", "web", withAutoSync, running), want: argocd.RequestRefresh},
		{name: "a requested operation refuses a sync", app: application("argocd", "web", withOperation), wantReason: v1alpha1.ReasonOperationInProgress},
		{name: "a running operation refuses a sync", app: application("argocd", "web", running), wantReason: v1alpha1.ReasonOperationInProgress},
		{name: "a closed window refuses a sync", app: application("argocd", "web"), windows: deny, wantReason: v1alpha1.ReasonSyncWindowClosed},
		{name: "a closed window refuses an auto-synced rollout", app: application("argocd", "web", withAutoSync), windows: deny, wantReason: v1alpha1.ReasonSyncWindowClosed},
		{name: "a deleted Application is refused", app: application("argocd", "web", deleting), wantReason: v1alpha1.ReasonOwnerNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := argocd.PlanSync(parse(t, tt.app), tt.windows, argocd.Want{Revision: commit, Reason: "incident i1"}, at10)
			if tt.wantReason != "" {
				var refusal *action.Refusal
				if !errors.As(err, &refusal) || refusal.Reason != tt.wantReason {
					t.Fatalf("PlanSync() error = %v, want a %s refusal", err, tt.wantReason)
				}
				if want := tt.wantReason != v1alpha1.ReasonOwnerNotFound; refusal.Retryable != want {
					t.Errorf("PlanSync() refusal retryable = %v, want %v", refusal.Retryable, want)
				}
				return
			}
			if err != nil || req.Kind != tt.want {
				t.Errorf("PlanSync() = %v, %v; want a %s request", req.Kind, err, tt.want)
			}
		})
	}
}

func TestPlanSyncOfSeveralSourcesSyncsEachAtItsRevision(t *testing.T) {
	app := parse(t, fromJSON(t, `{"metadata":{"namespace":"argocd","name":"web"},"spec":{"sources":[
		{"repoURL":"c","chart":"web","targetRevision":"1.2.3"},{"repoURL":"r","path":"apps/web"}]}}`))
	req, err := argocd.PlanSync(app, nil, argocd.Want{Revision: commit, Source: 1}, at10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1.2.3", commit}, req.Revisions); diff != "" || req.Revision != "" {
		t.Errorf("PlanSync() revisions mismatch (-want +got):\n%s", diff)
	}
}

// argoOperation is the operation field as Argo CD's types read it.
type argoOperation struct {
	InitiatedBy struct {
		Username  string `json:"username"`
		Automated bool   `json:"automated"`
	} `json:"initiatedBy"`
	Info []struct{ Name, Value string } `json:"info"`
	Sync struct {
		Revision     string         `json:"revision"`
		SyncStrategy map[string]any `json:"syncStrategy"`
		SyncOptions  []string       `json:"syncOptions"`
	} `json:"sync"`
	Retry map[string]any `json:"retry"`
}

func TestRequestSetsTheOperationAsArgoCDSync(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	app := create(t, c, application(ns, "web", withSyncOptions, withStatus(map[string]any{
		"operationState": map[string]any{"phase": "Succeeded", "startedAt": "2026-03-04T09:00:00Z", "operation": map[string]any{"sync": map[string]any{}}},
	})))
	req, err := argocd.PlanSync(app, nil, argocd.Want{Revision: commit, Reason: "incident i1, workflow w1"}, at10)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a second request is the first
		if err := argocd.Request(t.Context(), c, req); err != nil {
			t.Fatalf("Request() error = %v", err)
		}
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(argocd.ApplicationGVK)
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "web"}, u); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(u.Object["operation"])
	var op argoOperation
	if err := json.Unmarshal(raw, &op); err != nil {
		t.Fatal(err)
	}
	want := argoOperation{Info: []struct{ Name, Value string }{{"Reason", "incident i1, workflow w1"}}, Retry: map[string]any{"limit": float64(2)}}
	want.InitiatedBy.Username = "coordination-engine"
	want.Sync.Revision = commit
	want.Sync.SyncStrategy = map[string]any{"hook": map[string]any{}}
	want.Sync.SyncOptions = []string{"CreateNamespace=true"}
	if diff := cmp.Diff(want, op); diff != "" {
		t.Errorf("operation mismatch (-want +got):\n%s", diff)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "operationState"); found {
		t.Errorf("status.operationState = %v, want it cleared as Argo CD's API server does", u.Object["status"])
	}
	if got := u.GetAnnotations()[argocd.AnnotationRefresh]; got != argocd.RefreshNormal {
		t.Errorf("refresh annotation = %q, want %q", got, argocd.RefreshNormal)
	}
}

func TestRequestRefusesWhenAnotherOperationStarted(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	app := create(t, c, application(ns, "web"))
	req, err := argocd.PlanSync(app, nil, argocd.Want{Revision: commit}, at10)
	if err != nil {
		t.Fatal(err)
	}
	u := application(ns, "web", withOperation)
	patch, _ := json.Marshal(map[string]any{"operation": u.Object["operation"]})
	if err := c.Patch(t.Context(), u, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatal(err)
	}
	err = argocd.Request(t.Context(), c, req)
	var refusal *action.Refusal
	if !errors.As(err, &refusal) || refusal.Reason != v1alpha1.ReasonOperationInProgress || !refusal.Retryable {
		t.Fatalf("Request() error = %v, want a retryable %s refusal", err, v1alpha1.ReasonOperationInProgress)
	}
	got, err := argocd.ReadApplication(t.Context(), c, ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	if got.Operation == nil || got.Operation.Username != "alice" {
		t.Errorf("operation = %+v, want alice's left alone", got.Operation)
	}
}

func TestRequestOnlyRefreshesAnAutoSyncedApplication(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	app := create(t, c, application(ns, "web", withAutoSync))
	req, err := argocd.PlanSync(app, nil, argocd.Want{Revision: commit, HardRefresh: true}, at10)
	if err != nil {
		t.Fatal(err)
	}
	if err := argocd.Request(t.Context(), c, req); err != nil {
		t.Fatal(err)
	}
	got, err := argocd.ReadApplication(t.Context(), c, ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	if got.Operation != nil || got.Refresh != argocd.RefreshHard {
		t.Errorf("after Request(): operation %+v, refresh %q; want no operation and a hard refresh", got.Operation, got.Refresh)
	}
}
