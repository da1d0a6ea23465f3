package engine

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
)

// deploymentYAML is the web Deployment as its Git source has it.
func deploymentYAML(image, memory string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: ` + image + `
          resources:
            limits:
              memory: ` + memory + `
`
}

// argoSource is one kind of Application source in Git: its files, the commit that breaks the
// image, and the file that decides each field.
type argoSource struct {
	kind, path string
	valueFiles []string
	files      map[string]string
	badImage   map[string]string
	// memoryFile and imageFile decide the memory limit and the image.
	memoryFile, imageFile string
}

func argoSources() []argoSource {
	chart := map[string]string{
		"charts/web/Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"charts/web/values.yaml": "image:\n  repository: example/app\n  tag: \"1.0\"\nresources:\n  limits:\n    memory: 64Mi\n",
		"charts/web/templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          resources:
            limits:
              memory: {{ .Values.resources.limits.memory }}
`,
		"charts/web/values-prod.yaml": "# production\nimage:\n  tag: \"1.0\"\n",
	}
	return []argoSource{
		{kind: "directory", path: "apps/web",
			files:      map[string]string{"apps/web/deployment.yaml": deploymentYAML("example/app:1.0", "64Mi")},
			badImage:   map[string]string{"apps/web/deployment.yaml": deploymentYAML("example/app:2.0-broken", "64Mi")},
			memoryFile: "apps/web/deployment.yaml", imageFile: "apps/web/deployment.yaml"},
		{kind: "kustomize", path: "overlays/prod",
			files: map[string]string{
				"base/deployment.yaml":             deploymentYAML("example/app", "32Mi"),
				"base/kustomization.yaml":          "resources:\n  - deployment.yaml\n",
				"overlays/prod/memory.yaml":        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources:\n            limits:\n              memory: 64Mi\n",
				"overlays/prod/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: memory.yaml\nimages:\n  - name: example/app\n    newTag: \"1.0\"\n",
			},
			badImage:   map[string]string{"overlays/prod/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: memory.yaml\nimages:\n  - name: example/app\n    newTag: \"2.0-broken\"\n"},
			memoryFile: "overlays/prod/memory.yaml", imageFile: "overlays/prod/kustomization.yaml"},
		{kind: "helm", path: "charts/web", valueFiles: []string{"values-prod.yaml"}, files: chart,
			badImage:   map[string]string{"charts/web/values-prod.yaml": "# production\nimage:\n  tag: \"2.0-broken\"\n"},
			memoryFile: "charts/web/values-prod.yaml", imageFile: "charts/web/values-prod.yaml"},
	}
}

// argoFixture pushes src to a new repository, breaks the image with a second commit, and plays
// Argo CD for an Application of it deployed to ns (synced: the broken image is live).
func argoFixture(t *testing.T, c client.Client, ns, branch string, src argoSource, opts ...func(*argoApp)) (string, *argoPlayer) {
	t.Helper()
	url := gitrepotest.NewRemote(t, src.files)
	gitrepotest.Commit(t, url, src.badImage, "release 2.0")
	if branch != gitrepotest.Branch {
		gitrepotest.Tag(t, url, branch)
	}
	app := argoApp{namespace: ns, name: "web-" + src.kind, repoURL: url, path: src.path, branch: branch,
		kind: src.kind, valueFiles: src.valueFiles, destination: ns}
	for _, o := range opts {
		o(&app)
	}
	return url, playArgoCD(t, c, app)
}

// headMessage is the message of branch's head commit in the repository at url.
func headMessage(t *testing.T, url string) string {
	t.Helper()
	repo, err := git.PlainClone(t.TempDir(), true, &git.CloneOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	commit, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	return commit.Message
}

// For each kind of Application source: a dry run shows the Git diff and changes nothing; an
// OOMKilled container gets its limit raised in Git and synced; a bad image is rolled back to the
// image of the previous version of the file that decides it. Argo CD's controller is played by
// the test: it syncs what the engine asks for.
func TestArgoCDSourcesAreRemediatedInGit(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	for _, src := range argoSources() {
		t.Run(src.kind, func(t *testing.T) {
			ns := env.Namespace(t)
			playDeploymentController(t, c, ns)
			url, argo := argoFixture(t, c, ns, gitrepotest.Branch, src)
			head := gitrepotest.BranchHead(t, url, gitrepotest.Branch)

			var dry triggerAnswer
			e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", true), http.StatusAccepted, &dry)
			if dry.Strategy != "argocd" || dry.Change == nil || !strings.Contains(dry.Change.Diff, "+") || !strings.Contains(dry.Change.Diff, "memory: 96Mi") || !strings.Contains(dry.Change.Summary, "(was 64Mi)") {
				t.Fatalf("dry run answer = %+v (change %+v), want the argocd strategy and a diff 64Mi → 96Mi", dry, dry.Change)
			}
			e.waitWorkflow(dry.WorkflowID, "completed")
			if got := gitrepotest.BranchHead(t, url, gitrepotest.Branch); got != head || argo.Syncs() != 1 {
				t.Fatalf("after a dry run: head %s → %s, syncs %d; want nothing changed", head, got, argo.Syncs())
			}

			var oom triggerAnswer
			e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", false), http.StatusAccepted, &oom)
			wf := e.waitWorkflow(oom.WorkflowID, "completed", "failed")
			if wf.Status != "completed" {
				t.Fatalf("OOMKilled workflow = %+v", wf)
			}
			if got := gitrepotest.ReadFile(t, url, gitrepotest.Branch, src.memoryFile); !strings.Contains(got, "96Mi") {
				t.Errorf("%s after the fix:\n%s\nwant memory 96Mi", src.memoryFile, got)
			}
			if msg := headMessage(t, url); !strings.Contains(msg, oom.IncidentID) || !strings.Contains(msg, "Reason: oom_kill") {
				t.Errorf("commit message %q names neither the incident %s nor the reason", msg, oom.IncidentID)
			}
			if got := deploymentMemoryLimit(t, c, ns, "web"); got != "96Mi" {
				t.Errorf("live memory limit = %s, want 96Mi (synced from Git)", got)
			}

			var bad triggerAnswer
			e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "ImagePullBackOff", false), http.StatusAccepted, &bad)
			wf = e.waitWorkflow(bad.WorkflowID, "completed", "failed")
			if wf.Status != "completed" {
				t.Fatalf("ImagePullBackOff workflow = %+v", wf)
			}
			if got := getDeployment(t, c, ns, "web").Spec.Template.Spec.Containers[0].Image; got != "example/app:1.0" {
				t.Errorf("live image = %s, want example/app:1.0 (the previous version in Git)", got)
			}
			if got := gitrepotest.ReadFile(t, url, gitrepotest.Branch, src.imageFile); strings.Contains(got, "2.0-broken") {
				t.Errorf("%s still has the broken image:\n%s", src.imageFile, got)
			}
			if argo.Syncs() != 3 {
				t.Errorf("Argo CD synced %d times, want 3 (deploy, memory, image)", argo.Syncs())
			}
		})
	}
}

// A targetRevision the engine cannot push to (a tag) changes nothing: the workflow waits for
// approval and carries the proposed diff.
func TestReadOnlySourceWaitsForApprovalWithTheDiff(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	ns := env.Namespace(t)
	playDeploymentController(t, c, ns)
	src := argoSources()[0]
	url, argo := argoFixture(t, c, ns, "v2.0", src)
	head := gitrepotest.BranchHead(t, url, gitrepotest.Branch)

	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", false), http.StatusAccepted, &tr)
	wf := e.waitWorkflow(tr.WorkflowID, "awaiting_approval")
	if wf.Reason != "RepositoryReadOnly" {
		t.Errorf("reason = %q, want RepositoryReadOnly", wf.Reason)
	}
	var full struct {
		Steps []struct {
			Change struct{ Diff string } `json:"change"`
		} `json:"steps"`
	}
	e.mustDo(http.MethodGet, "/api/v1/workflows/"+tr.WorkflowID, "", http.StatusOK, &full)
	if len(full.Steps) != 1 || !strings.Contains(full.Steps[0].Change.Diff, "+              memory: 96Mi") {
		t.Errorf("workflow steps = %+v, want the proposed diff", full.Steps)
	}
	if got := gitrepotest.BranchHead(t, url, gitrepotest.Branch); got != head || argo.Syncs() != 1 || deploymentMemoryLimit(t, c, ns, "web") != "64Mi" {
		t.Errorf("a read-only source changed something: head %s → %s, syncs %d", head, got, argo.Syncs())
	}
}

// Someone commits the old value back while the engine verifies its fix, and Argo CD syncs it:
// the engine sees the synced revision no longer carries its change and escalates with
// FixReverted instead of changing Git again.
func TestRevertedGitFixEscalates(t *testing.T) {
	e := startEngine(t, func(o *config.Options) { o.VerifyWindow, o.VerifyTimeout = 20*time.Second, time.Minute })
	c := env.Client(t)
	ns := env.Namespace(t)
	playDeploymentController(t, c, ns)
	src := argoSources()[0]
	url, argo := argoFixture(t, c, ns, gitrepotest.Branch, src)

	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", false), http.StatusAccepted, &tr)
	deadline := time.Now().Add(30 * time.Second)
	for argo.Syncs() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the engine's commit was not synced within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	gitrepotest.Commit(t, url, map[string]string{src.memoryFile: deploymentYAML("example/app:2.0-broken", "64Mi")}, "back to 64Mi")
	if err := argo.sync(t.Context(), gitrepotest.Branch, nil); err != nil {
		t.Fatal(err)
	}
	wf := e.waitWorkflow(tr.WorkflowID, "failed", "completed")
	if wf.Status != "failed" || wf.Reason != v1alpha1.ReasonReverted {
		t.Fatalf("workflow = %s (%s: %s), want failed with %s", wf.Status, wf.Reason, wf.Message, v1alpha1.ReasonReverted)
	}
	e.waitIncident(tr.IncidentID, func(i incidentView) bool { return i.Status != "resolved" && i.Severity == "high" })
	if got := gitrepotest.ReadFile(t, url, gitrepotest.Branch, src.memoryFile); !strings.Contains(got, "64Mi") {
		t.Errorf("the engine changed Git again after the revert:\n%s", got)
	}
}

// Approving a workflow whose source still cannot be pushed to ends it with the reason, at once,
// and changes nothing.
func TestApprovingAReadOnlySourceFailsWithTheReason(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	ns := env.Namespace(t)
	playDeploymentController(t, c, ns)
	url, argo := argoFixture(t, c, ns, "v2.0", argoSources()[0])
	head := gitrepotest.BranchHead(t, url, gitrepotest.Branch)

	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", false), http.StatusAccepted, &tr)
	e.waitWorkflow(tr.WorkflowID, "awaiting_approval")
	e.mustDo(http.MethodPost, "/api/v1/workflows/"+tr.WorkflowID+"/approve", `{"by":"sre@example.com","reason":"try it"}`, http.StatusOK, nil)
	wf := e.waitWorkflow(tr.WorkflowID, "failed", "completed")
	if wf.Status != "failed" || wf.Reason != v1alpha1.ReasonRepositoryReadOnly {
		t.Fatalf("approved workflow = %s (%s: %s), want failed with RepositoryReadOnly", wf.Status, wf.Reason, wf.Message)
	}
	if got := gitrepotest.BranchHead(t, url, gitrepotest.Branch); got != head || argo.Syncs() != 1 {
		t.Errorf("head %s → %s, syncs %d: something changed", head, got, argo.Syncs())
	}
}

// With auto-sync on, the engine pushes and asks Argo CD only to refresh; auto-sync rolls the
// commit out (no sync operation is requested).
func TestAutoSyncedApplicationIsRefreshedNotSynced(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	ns := env.Namespace(t)
	playDeploymentController(t, c, ns)
	src := argoSources()[0]
	url, argo := argoFixture(t, c, ns, gitrepotest.Branch, src, func(a *argoApp) { a.automated = true })

	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", false), http.StatusAccepted, &tr)
	if wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed"); wf.Status != "completed" {
		t.Fatalf("workflow = %+v", wf)
	}
	if got := gitrepotest.ReadFile(t, url, gitrepotest.Branch, src.memoryFile); !strings.Contains(got, "96Mi") {
		t.Errorf("%s:\n%s\nwant 96Mi", src.memoryFile, got)
	}
	if argo.Syncs() != 2 || argo.Operations() != 0 {
		t.Errorf("syncs %d, sync operations requested %d; want 2 syncs (deploy, auto-sync after the refresh) and no operation", argo.Syncs(), argo.Operations())
	}
}
