package engine

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"selfhealing.dev/coordination-engine/internal/chartvalues"
)

// argoApp is an Application the test plays Argo CD's application controller for.
type argoApp struct {
	namespace, name string
	repoURL, path   string
	branch          string
	// kind is "directory", "kustomize" or "helm"; valueFiles are the Helm source's value files.
	kind       string
	valueFiles []string
	// destination is the namespace the workloads are deployed to.
	destination string
	automated   bool
}

// object is the Application as Argo CD's CRD holds it.
func (a argoApp) object() *unstructured.Unstructured {
	source := map[string]any{"repoURL": a.repoURL, "path": a.path, "targetRevision": a.branch}
	switch a.kind {
	case "helm":
		files := make([]any, len(a.valueFiles))
		for i, f := range a.valueFiles {
			files[i] = f
		}
		source["helm"] = map[string]any{"valueFiles": files}
	case "kustomize":
		source["kustomize"] = map[string]any{}
	}
	spec := map[string]any{"project": "default", "source": source,
		"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": a.destination}}
	if a.automated {
		spec["syncPolicy"] = map[string]any{"automated": map[string]any{"prune": true, "selfHeal": true}}
	}
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"namespace": a.namespace, "name": a.name}, "spec": spec}}
}

// trackingID is the annotation Argo CD writes on what it deploys (annotation tracking).
func (a argoApp) trackingID(kind, namespace, name string) string {
	return fmt.Sprintf("%s_%s:apps/%s:%s/%s", a.namespace, a.name, kind, namespace, name)
}

// argoPlayer plays Argo CD's application controller: it syncs the Application when it is
// created, when a sync operation is requested and, with auto-sync, when a refresh is asked
// for; a sync renders the source at the revision, applies the Deployments and writes the
// Application's status the way Argo CD does.
type argoPlayer struct {
	t   *testing.T
	c   client.Client
	app argoApp
	// syncs counts the syncs played.
	mu    sync.Mutex
	syncs int
	// operations counts the sync operations requested (an auto-sync after a refresh is none).
	operations int
}

// playArgoCD creates app's Application, syncs it once (deploying the source's Deployments) and
// keeps playing the controller until the test ends.
func playArgoCD(t *testing.T, c client.Client, app argoApp) *argoPlayer {
	t.Helper()
	p := &argoPlayer{t: t, c: c, app: app}
	if err := c.Create(t.Context(), app.object()); err != nil {
		t.Fatalf("create Application: %v", err)
	}
	if err := p.sync(t.Context(), app.branch, nil); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := p.step(ctx); err != nil && ctx.Err() == nil {
				t.Logf("argo player: %v", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	return p
}

// Syncs is how many syncs were played, the first included.
func (p *argoPlayer) Syncs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.syncs
}

// Operations is how many sync operations were requested.
func (p *argoPlayer) Operations() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.operations
}

// step syncs when an operation is requested, or on a refresh with auto-sync on.
func (p *argoPlayer) step(ctx context.Context) error {
	u := p.application(ctx)
	if u == nil {
		return nil
	}
	op, hasOp, _ := unstructured.NestedMap(u.Object, "operation")
	refresh := u.GetAnnotations()["argocd.argoproj.io/refresh"]
	switch {
	case hasOp:
		p.mu.Lock()
		p.operations++
		p.mu.Unlock()
		revision, _, _ := unstructured.NestedString(op, "sync", "revision")
		if revision == "" {
			revision = p.app.branch
		}
		return p.sync(ctx, revision, op)
	case refresh != "" && p.app.automated:
		return p.sync(ctx, p.app.branch, map[string]any{"initiatedBy": map[string]any{"automated": true}, "sync": map[string]any{}})
	}
	return nil
}

func (p *argoPlayer) application(ctx context.Context) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("argoproj.io/v1alpha1")
	u.SetKind("Application")
	if err := p.c.Get(ctx, client.ObjectKey{Namespace: p.app.namespace, Name: p.app.name}, u); err != nil {
		return nil
	}
	return u
}

// sync renders the source at revision, applies its Deployments and records the sync.
func (p *argoPlayer) sync(ctx context.Context, revision string, op map[string]any) error {
	sha, objs, err := p.render(ctx, revision)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if err := p.apply(ctx, obj); err != nil {
			return err
		}
	}
	p.mu.Lock()
	p.syncs++
	id := int64(p.syncs)
	p.mu.Unlock()
	return p.recordSync(ctx, sha, id, op)
}

// recordSync writes status as Argo CD does after a successful sync, and clears the operation
// and the refresh annotation.
func (p *argoPlayer) recordSync(ctx context.Context, sha string, id int64, op map[string]any) error {
	u := p.application(ctx)
	if u == nil {
		return fmt.Errorf("Application %s/%s is gone", p.app.namespace, p.app.name)
	}
	now := time.Now().UTC().Format(time.RFC3339)
	history, _, _ := unstructured.NestedSlice(u.Object, "status", "history")
	history = append(history, map[string]any{"id": id, "revision": sha, "deployedAt": now,
		"source": map[string]any{"repoURL": p.app.repoURL, "path": p.app.path, "targetRevision": p.app.branch}})
	status := map[string]any{
		"sync":         map[string]any{"status": "Synced", "revision": sha},
		"health":       map[string]any{"status": "Healthy"},
		"reconciledAt": now,
		"history":      history,
	}
	if op != nil {
		status["operationState"] = map[string]any{"phase": "Succeeded", "message": "successfully synced (all tasks run)",
			"operation": op, "startedAt": now, "finishedAt": now, "syncResult": map[string]any{"revision": sha}}
	}
	u.Object["status"] = status
	delete(u.Object, "operation")
	annotations := u.GetAnnotations()
	delete(annotations, "argocd.argoproj.io/refresh")
	u.SetAnnotations(annotations)
	return p.c.Update(ctx, u)
}

// render checks the repository out at revision (a branch or a commit) and renders the source's
// Deployments as Argo CD would.
func (p *argoPlayer) render(ctx context.Context, revision string) (string, []*unstructured.Unstructured, error) {
	dir, err := os.MkdirTemp("", "argo-player-")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(dir)
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: p.app.repoURL})
	if err != nil {
		return "", nil, fmt.Errorf("clone %s: %w", p.app.repoURL, err)
	}
	hash, err := repo.ResolveRevision(plumbing.Revision("refs/remotes/origin/" + revision))
	if err != nil {
		if hash, err = repo.ResolveRevision(plumbing.Revision(revision)); err != nil {
			return "", nil, fmt.Errorf("resolve %s: %w", revision, err)
		}
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "", nil, err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: *hash, Force: true}); err != nil {
		return "", nil, fmt.Errorf("check out %s: %w", hash, err)
	}
	objs, err := renderSource(p.app, filepath.Join(dir, p.app.path))
	return hash.String(), objs, err
}

// renderSource renders a source directory into its Deployments.
func renderSource(app argoApp, dir string) ([]*unstructured.Unstructured, error) {
	var stream string
	switch app.kind {
	case "kustomize":
		m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		out, err := m.AsYaml()
		if err != nil {
			return nil, err
		}
		stream = string(out)
	case "helm":
		ch, err := loader.Load(dir)
		if err != nil {
			return nil, fmt.Errorf("load chart %s: %w", dir, err)
		}
		values := map[string]any{}
		for _, f := range app.valueFiles {
			raw, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				return nil, err
			}
			var v map[string]any
			if err := yaml.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("values file %s: %w", f, err)
			}
			values = mergeValues(values, v)
		}
		ms, err := chartvalues.Render(ch, values, chartvalues.Release{Name: app.name, Namespace: app.destination})
		if err != nil {
			return nil, err
		}
		stream = ms.String()
	default:
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				return err
			}
			raw, err := os.ReadFile(path)
			stream += "\n---\n" + string(raw)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return deploymentsIn(stream)
}

// deploymentsIn decodes the Deployments of a YAML stream.
func deploymentsIn(stream string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, doc := range strings.Split(stream, "\n---") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, fmt.Errorf("decode manifest: %w", err)
		}
		if obj["kind"] == "Deployment" {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
	return out, nil
}

// mergeValues merges b over a, maps recursively, as Helm merges value files.
func mergeValues(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// apply creates or updates a rendered Deployment in the destination namespace, with Argo CD's
// tracking annotation.
func (p *argoPlayer) apply(ctx context.Context, obj *unstructured.Unstructured) error {
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &d); err != nil {
		return fmt.Errorf("decode Deployment %s: %w", obj.GetName(), err)
	}
	d.Namespace = p.app.destination
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations["argocd.argoproj.io/tracking-id"] = p.app.trackingID("Deployment", d.Namespace, d.Name)
	var live appsv1.Deployment
	err := p.c.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Name}, &live)
	switch {
	case apierrors.IsNotFound(err):
		return p.c.Create(ctx, &d)
	case err != nil:
		return err
	}
	live.Spec = d.Spec
	live.Labels, live.Annotations = d.Labels, d.Annotations
	return p.c.Update(ctx, &live)
}

// deploymentMemoryLimit is the live memory limit of the Deployment's first container.
func deploymentMemoryLimit(t *testing.T, c client.Client, ns, name string) string {
	t.Helper()
	d := getDeployment(t, c, ns, name)
	q := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory()
	return q.String()
}
