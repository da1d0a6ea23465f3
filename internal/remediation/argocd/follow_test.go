package argocd_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/remediation/argocd"
)

// lineage is the Git history of the tests: older, then commit (the engine's), then newer.
func lineage(_ context.Context, revision string) (bool, error) {
	return revision == commit || revision == newer, nil
}

// playController writes status as the Argo CD controller would, and drops the operation it took.
func playController(t *testing.T, c client.Client, namespace, name string, status map[string]any) {
	t.Helper()
	patch, err := json.Marshal(map[string]any{"operation": nil, "status": status})
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(argocd.ApplicationGVK)
	u.SetNamespace(namespace)
	u.SetName(name)
	if err := c.Patch(t.Context(), u, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatal(err)
	}
}

func follow(t *testing.T, c client.Client, namespace string, r argocd.Rollout) remediation.Progress {
	t.Helper()
	app, err := argocd.ReadApplication(t.Context(), c, namespace, "web")
	if err != nil {
		t.Fatal(err)
	}
	p, err := argocd.Follow(t.Context(), app, r)
	if err != nil {
		t.Fatalf("Follow() error = %v", err)
	}
	return p
}

func operationState(phase, revision, message string) map[string]any {
	return map[string]any{
		"phase": phase, "message": message, "startedAt": "2026-03-04T10:31:00Z",
		"operation":  map[string]any{"initiatedBy": map[string]any{"username": argocd.Username}, "sync": map[string]any{"revision": "main"}},
		"syncResult": map[string]any{"revision": revision},
	}
}

func hasCheck(p remediation.Progress, part string) bool {
	return slices.ContainsFunc(p.Checks, func(c string) bool { return strings.Contains(c, part) })
}

func TestFollowIsDoneWhenSyncedToTheCommitWhateverTheHealth(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	app := create(t, c, application(ns, "web", withStatus(map[string]any{
		"sync": map[string]any{"status": "Synced", "revision": older}, "health": map[string]any{"status": "Healthy"},
	})))
	req, err := argocd.PlanSync(app, nil, argocd.Want{Reason: "incident i1"}, at10)
	if err != nil {
		t.Fatal(err)
	}
	if err := argocd.Request(t.Context(), c, req); err != nil {
		t.Fatal(err)
	}
	r := argocd.Rollout{Commit: commit, Contains: lineage}

	p := follow(t, c, ns, r)
	if p.Done || p.Failed != "" || p.Reverted != "" || !hasCheck(p, "operation requested by coordination-engine") {
		t.Fatalf("Follow(requested) = %+v, want waiting on the requested operation", p)
	}

	playController(t, c, ns, "web", map[string]any{
		"sync": map[string]any{"status": "OutOfSync", "revision": commit}, "health": map[string]any{"status": "Healthy"},
		"operationState": operationState("Running", commit, "waiting for healthy state of apps/Deployment/web"),
	})
	if p := follow(t, c, ns, r); p.Done || !hasCheck(p, "operation Running") || !hasCheck(p, "ours; waiting for Synced") {
		t.Fatalf("Follow(running) = %+v, want waiting on the running operation", p)
	}

	playController(t, c, ns, "web", map[string]any{
		"sync": map[string]any{"status": "Synced", "revision": commit}, "health": map[string]any{"status": "Progressing"},
		"operationState": operationState("Succeeded", commit, "successfully synced"),
	})
	if p := follow(t, c, ns, r); !p.Done || !hasCheck(p, "synced to 1a2b3c4 (ours)") || !hasCheck(p, "health Progressing (waiting)") {
		t.Fatalf("Follow(synced, progressing) = %+v, want done with health Progressing reported", p)
	}

	playController(t, c, ns, "web", map[string]any{
		"sync": map[string]any{"status": "Synced", "revision": newer}, "health": map[string]any{"status": "Healthy"},
	})
	if p := follow(t, c, ns, r); !p.Done || !hasCheck(p, "health Healthy") {
		t.Fatalf("Follow(synced to a descendant) = %+v, want done", p)
	}
}

func TestFollowFailsWhenTheSyncOfTheCommitFailed(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	create(t, c, application(ns, "web"))
	playController(t, c, ns, "web", map[string]any{
		"sync": map[string]any{"status": "OutOfSync", "revision": commit}, "health": map[string]any{"status": "Degraded"},
		"operationState": operationState("Failed", commit, "one or more objects failed to apply"),
	})
	p := follow(t, c, ns, argocd.Rollout{Commit: commit, Contains: lineage})
	if p.Done || !strings.Contains(p.Failed, "ended Failed: one or more objects failed to apply") {
		t.Errorf("Follow() = %+v, want failed with Argo CD's message", p)
	}
}

func TestFollowIgnoresTheFailureOfAnotherRevision(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	create(t, c, application(ns, "web"))
	playController(t, c, ns, "web", map[string]any{
		"sync":           map[string]any{"status": "OutOfSync", "revision": older},
		"operationState": operationState("Error", older, "hook failed"),
	})
	if p := follow(t, c, ns, argocd.Rollout{Commit: commit, Contains: lineage}); p.Failed != "" || p.Done {
		t.Errorf("Follow() = %+v, want still waiting", p)
	}
}

func TestFollowSeesARevert(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	create(t, c, application(ns, "web"))
	playController(t, c, ns, "web", map[string]any{
		"sync": map[string]any{"status": "Synced", "revision": older}, "health": map[string]any{"status": "Healthy"},
		"history": []any{
			map[string]any{"id": 1, "revision": older, "deployedAt": "2026-03-04T09:00:00Z"},
			map[string]any{"id": 2, "revision": commit, "deployedAt": "2026-03-04T10:32:00Z"},
			map[string]any{"id": 3, "revision": older, "deployedAt": "2026-03-04T10:40:00Z"},
		},
	})
	p := follow(t, c, ns, argocd.Rollout{Commit: commit, Contains: lineage})
	if p.Done || !strings.Contains(p.Reverted, "does not contain commit 1a2b3c4 that it deployed") {
		t.Errorf("Follow(rolled back) = %+v, want reverted", p)
	}

	playController(t, c, ns, "web", map[string]any{"sync": map[string]any{"status": "Synced", "revision": newer}})
	kept := func(context.Context, string) (string, error) { return "resources.limits.memory is 256Mi again", nil }
	p = follow(t, c, ns, argocd.Rollout{Commit: commit, Contains: lineage, Kept: kept})
	if p.Done || !strings.Contains(p.Reverted, "256Mi again") {
		t.Errorf("Follow(value committed back) = %+v, want reverted", p)
	}
}
