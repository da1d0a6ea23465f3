package argocd_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/gitrepo/gitrepotest"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/remediation/argocd"
	"selfhealing.dev/coordination-engine/internal/remediation/workload"
)

const webYAML = `apiVersion: apps/v1
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
          image: example/app:1.0
          resources:
            limits:
              memory: 64Mi
`

// chartFiles is the same workload as a Helm chart.
var chartFiles = map[string]string{
	"charts/web/Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"charts/web/values.yaml": "resources:\n  limits:\n    memory: 64Mi\n",
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
          image: example/app:1.0
          resources:
            limits:
              memory: {{ .Values.resources.limits.memory }}
`,
}

// strategyFixture is the strategy against envtest, with the live Deployment web (64Mi) in ns,
// an Application of a file:// repository holding webYAML, and the resolution of web to it.
type strategyFixture struct {
	c     client.Client
	s     *argocd.Strategy
	ns    string
	url   string
	owner managedby.Resolution
}

func newStrategyFixture(t testing.TB, opts argocd.Options, appOpts ...func(map[string]any)) *strategyFixture {
	t.Helper()
	c := env.Client(t)
	ns := env.Namespace(t)
	two := int32(2)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}, Spec: appsv1.DeploymentSpec{
		Replicas: &two, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/app:1.0",
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}}}}}}}}
	if err := c.Create(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"apps/web/deployment.yaml": webYAML}
	for k, v := range chartFiles {
		files[k] = v
	}
	url := gitrepotest.NewRemote(t, files)
	app := application(ns, "web", append([]func(map[string]any){func(obj map[string]any) {
		src := spec(obj)["source"].(map[string]any)
		src["repoURL"] = url
		spec(obj)["destination"].(map[string]any)["namespace"] = ns
	}}, appOpts...)...)
	if err := c.Create(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	if opts.WorkDir == "" {
		opts.WorkDir = t.TempDir()
	}
	w := guardrail.TestWriter(c)
	s := argocd.New(c, c, w, workload.New(c, w, workload.Options{}, time.Now), opts, time.Now)
	owner := managedby.Resolution{Result: managedby.Result{Method: managedby.ArgoCD,
		Details: map[string]string{managedby.DetailArgoCDApplication: "web", managedby.DetailArgoCDNamespace: ns}},
		Workload: managedby.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "web"}}
	return &strategyFixture{c: c, s: s, ns: ns, url: url, owner: owner}
}

func (f *strategyFixture) act(typ action.Type) action.Action {
	return action.Action{Type: typ, Target: v1alpha1.Target{Kind: "Deployment", Namespace: f.ns, Name: "web"},
		Workflow: "wf-1", Incident: "inc-1", Reason: "oom_kill: web was OOMKilled"}
}

// Plans that cannot be carried out in Git say why, and change nothing.
func TestPlanRefusesWhatGitCannotCarry(t *testing.T) {
	tests := []struct {
		name   string
		app    func(map[string]any)
		act    action.Type
		reason string
	}{
		{"a value the Application's own helm parameters set", func(obj map[string]any) {
			src := spec(obj)["source"].(map[string]any)
			src["path"] = "charts/web"
			src["helm"] = map[string]any{"parameters": []any{map[string]any{"name": "resources.limits.memory", "value": "64Mi"}}}
		}, action.SetMemoryLimit, v1alpha1.ReasonNotInSource},
		{"a chart from a Helm repository", func(obj map[string]any) {
			src := spec(obj)["source"].(map[string]any)
			delete(src, "path")
			src["chart"] = "web"
		}, action.SetMemoryLimit, v1alpha1.ReasonSourceUnsupported},
		{"an image rollback without an earlier image in Git", nil, action.Rollback, v1alpha1.ReasonNoPreviousRevision},
		{"an eviction", nil, action.Evict, v1alpha1.ReasonUnsupportedAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(map[string]any)
			if tt.app != nil {
				opts = append(opts, tt.app)
			}
			f := newStrategyFixture(t, argocd.Options{}, opts...)
			head := gitrepotest.BranchHead(t, f.url, gitrepotest.Branch)
			_, err := f.s.Plan(t.Context(), f.act(tt.act), f.owner)
			var r *action.Refusal
			if !errors.As(err, &r) || r.Reason != tt.reason {
				t.Fatalf("Plan(%s) = %v, want refusal %s", tt.act, err, tt.reason)
			}
			if got := gitrepotest.BranchHead(t, f.url, gitrepotest.Branch); got != head {
				t.Errorf("planning moved the branch %s → %s", head, got)
			}
		})
	}
}

// With GIT_PUSH_MODE=review the commit goes to a branch of its own, the deployed branch stays,
// nothing is synced, and following the change says where it waits.
func TestReviewModePushesABranchAndSyncsNothing(t *testing.T) {
	f := newStrategyFixture(t, argocd.Options{PushMode: argocd.PushReview, ReviewPrefix: "fixes"})
	act := f.act(action.SetMemoryLimit)
	head := gitrepotest.BranchHead(t, f.url, gitrepotest.Branch)
	ch, err := f.s.Plan(t.Context(), act, f.owner)
	if err != nil {
		t.Fatalf("Plan() = %v", err)
	}
	for range 2 { // a retry, or Apply made again after a restart
		if err := f.s.Apply(t.Context(), guardrail.TestPermit(act), ch); err != nil {
			t.Fatalf("Apply() = %v", err)
		}
	}
	if got := gitrepotest.BranchHead(t, f.url, gitrepotest.Branch); got != head {
		t.Errorf("review mode moved %s: %s → %s", gitrepotest.Branch, head, got)
	}
	if got := gitrepotest.ReadFile(t, f.url, "fixes/wf-1", "apps/web/deployment.yaml"); !strings.Contains(got, "memory: 96Mi") {
		t.Errorf("review branch file:\n%s\nwant memory 96Mi", got)
	}
	app, err := argocd.ReadApplication(t.Context(), f.c, f.ns, "web")
	if err != nil || app.Operation != nil {
		t.Errorf("Application operation = %+v (%v), want none requested", app.Operation, err)
	}
	p, err := f.s.Follow(t.Context(), ch)
	if err != nil || !strings.Contains(p.ForReview, "fixes/wf-1") {
		t.Errorf("Follow() = %+v, %v; want ForReview naming the branch", p, err)
	}
}

// Apply made twice (a retry, an engine restart) commits once and requests one sync; Undo
// reverts the commit with a commit of its own.
func TestApplyTwiceCommitsOnceAndUndoReverts(t *testing.T) {
	f := newStrategyFixture(t, argocd.Options{})
	act := f.act(action.SetMemoryLimit)
	ch, err := f.s.Plan(t.Context(), act, f.owner)
	if err != nil {
		t.Fatalf("Plan() = %v", err)
	}
	for range 2 {
		if err := f.s.Apply(t.Context(), guardrail.TestPermit(act), ch); err != nil {
			t.Fatalf("Apply() = %v", err)
		}
	}
	afterApply := gitrepotest.BranchHead(t, f.url, gitrepotest.Branch)
	app, err := argocd.ReadApplication(t.Context(), f.c, f.ns, "web")
	if err != nil || app.Operation == nil || app.Operation.Revision != gitrepotest.Branch {
		t.Fatalf("Application operation = %+v (%v), want a sync of %s", app.Operation, err, gitrepotest.Branch)
	}
	// Argo CD finishes the sync; then the engine undoes its change.
	if err := f.c.Patch(t.Context(), application(f.ns, "web"), client.RawPatch("application/merge-patch+json", []byte(`{"operation":null}`))); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Undo(t.Context(), guardrail.TestPermit(act), ch); err != nil {
		t.Fatalf("Undo() = %v", err)
	}
	if got := gitrepotest.ReadFile(t, f.url, gitrepotest.Branch, "apps/web/deployment.yaml"); got != webYAML {
		t.Errorf("after Undo the file is:\n%s\nwant the original", got)
	}
	if got := gitrepotest.BranchHead(t, f.url, gitrepotest.Branch); got == afterApply {
		t.Error("Undo pushed no revert commit")
	}
}

// BenchmarkPlan measures a plan of a memory raise: clone a small repository, find and edit the
// file, prove it by rendering, compute the diff.
func BenchmarkPlan(b *testing.B) {
	f := newStrategyFixture(b, argocd.Options{})
	act := f.act(action.SetMemoryLimit)
	for b.Loop() {
		if _, err := f.s.Plan(b.Context(), act, f.owner); err != nil {
			b.Fatal(err)
		}
	}
}

// forbiddenPatches lets reads through and refuses every patch, as an identity without patch on
// Applications would be.
type forbiddenPatches struct{ client.Client }

func (forbiddenPatches) Patch(context.Context, client.Object, client.Patch, ...client.PatchOption) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: "argoproj.io", Resource: "applications"}, "web", errors.New("no patch"))
}

// A commit pushed whose sync request is then refused is reported as made in part, so the
// executor records it as applied and follows it instead of losing it as "not applied".
func TestAPushWhoseSyncIsRefusedIsAppliedInPart(t *testing.T) {
	f := newStrategyFixture(t, argocd.Options{})
	w := guardrail.TestWriter(f.c)
	s := argocd.New(f.c, forbiddenPatches{f.c}, w, workload.New(f.c, w, workload.Options{}, time.Now), argocd.Options{WorkDir: t.TempDir()}, time.Now)
	act := f.act(action.SetMemoryLimit)
	ch, err := s.Plan(t.Context(), act, f.owner)
	if err != nil {
		t.Fatalf("Plan() = %v", err)
	}
	err = s.Apply(t.Context(), guardrail.TestPermit(act), ch)
	if !errors.Is(err, remediation.ErrPartlyApplied) || !apierrors.IsForbidden(err) {
		t.Fatalf("Apply() = %v, want ErrPartlyApplied wrapping the Forbidden", err)
	}
	if got := gitrepotest.ReadFile(t, f.url, gitrepotest.Branch, "apps/web/deployment.yaml"); !strings.Contains(got, "memory: 96Mi") {
		t.Errorf("the commit is not on the branch:\n%s", got)
	}
}

// After an engine restart (a strategy that remembers nothing), following a change finds the
// engine's commit on the branch by its workflow trailer, and is done once Argo CD synced it.
func TestFollowFindsTheCommitAfterARestart(t *testing.T) {
	f := newStrategyFixture(t, argocd.Options{})
	act := f.act(action.SetMemoryLimit)
	ch, err := f.s.Plan(t.Context(), act, f.owner)
	if err != nil {
		t.Fatalf("Plan() = %v", err)
	}
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(act), ch); err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	head := gitrepotest.BranchHead(t, f.url, gitrepotest.Branch)
	// Argo CD synced the branch head, which is the engine's commit.
	status := `{"operation":null,"status":{"sync":{"status":"Synced","revision":"` + head + `"},"health":{"status":"Healthy"}}}`
	if err := f.c.Patch(t.Context(), application(f.ns, "web"), client.RawPatch("application/merge-patch+json", []byte(status))); err != nil {
		t.Fatal(err)
	}
	w := guardrail.TestWriter(f.c)
	restarted := argocd.New(f.c, f.c, w, workload.New(f.c, w, workload.Options{}, time.Now), argocd.Options{WorkDir: t.TempDir()}, time.Now)
	p, err := restarted.Follow(t.Context(), ch)
	if err != nil || !p.Done || p.Reverted != "" || p.Failed != "" {
		t.Fatalf("Follow() after a restart = %+v, %v; want done", p, err)
	}
}
