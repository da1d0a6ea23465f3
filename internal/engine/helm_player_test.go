package engine

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// helmFixture installs and upgrades releases of the web chart in one namespace with the Helm
// SDK, as `helm` (or Flux's helm-controller) would.
type helmFixture struct {
	t          *testing.T
	ns         string
	kubeconfig string
	chart      *chart.Chart
}

// newHelmFixture writes the web chart (the one the Argo CD Helm source uses) and loads it.
func newHelmFixture(t *testing.T, ns string) *helmFixture {
	t.Helper()
	dir := t.TempDir()
	for path, content := range argoSources()[2].files {
		full := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := loader.LoadDir(filepath.Join(dir, "charts", "web"))
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := env.KubeconfigFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &helmFixture{t: t, ns: ns, kubeconfig: kubeconfig, chart: ch}
}

func (h *helmFixture) config() (*action.Configuration, error) {
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &h.kubeconfig, &h.ns
	cfg := action.NewConfiguration()
	return cfg, cfg.Init(flags, h.ns, "secret")
}

// deploy installs release name with values, or upgrades it when it exists.
func (h *helmFixture) deploy(ctx context.Context, name string, values map[string]any) error {
	cfg, err := h.config()
	if err != nil {
		return err
	}
	if _, err := cfg.Releases.Last(name); err != nil {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace, in.WaitStrategy = name, h.ns, kube.HookOnlyStrategy
		_, err = in.RunWithContext(ctx, h.chart, values)
		return err
	}
	up := action.NewUpgrade(cfg)
	up.Namespace, up.WaitStrategy = h.ns, kube.HookOnlyStrategy
	_, err = up.RunWithContext(ctx, name, h.chart, values)
	return err
}

// mustDeploy is deploy that fails the test.
func (h *helmFixture) mustDeploy(name string, values map[string]any) {
	h.t.Helper()
	if err := h.deploy(h.t.Context(), name, values); err != nil {
		h.t.Fatalf("helm deploy %s: %v", name, err)
	}
}

// history is the release's revisions, oldest first.
func (h *helmFixture) history(name string) []*release.Release {
	h.t.Helper()
	cfg, err := h.config()
	if err != nil {
		h.t.Fatal(err)
	}
	rels, err := cfg.Releases.History(name)
	if err != nil {
		h.t.Fatal(err)
	}
	out := make([]*release.Release, 0, len(rels))
	for _, r := range rels {
		if rel, ok := r.(*release.Release); ok {
			out = append(out, rel)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Version < out[j-1].Version; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// playFluxHelmController plays Flux's helm-controller for the HelmRelease name in ns: when its
// generation is new, it installs or upgrades the Helm release with spec.values, labels the
// Deployment as helm-controller does, and reports Ready at that generation.
func playFluxHelmController(t *testing.T, c client.Client, h *helmFixture, name string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := h.reconcileHelmRelease(ctx, c, name); err != nil && ctx.Err() == nil {
				t.Logf("flux player: %v", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func (h *helmFixture) reconcileHelmRelease(ctx context.Context, c client.Client, name string) error {
	hr := &unstructured.Unstructured{}
	hr.SetAPIVersion("helm.toolkit.fluxcd.io/v2")
	hr.SetKind("HelmRelease")
	if err := c.Get(ctx, client.ObjectKey{Namespace: h.ns, Name: name}, hr); err != nil {
		return client.IgnoreNotFound(err)
	}
	observed, _, _ := unstructured.NestedInt64(hr.Object, "status", "observedGeneration")
	if observed >= hr.GetGeneration() {
		return nil
	}
	values, _, _ := unstructured.NestedMap(hr.Object, "spec", "values")
	if err := h.deploy(ctx, name, values); err != nil {
		return err
	}
	if err := labelForFlux(ctx, c, h.ns, name); err != nil {
		return err
	}
	hr.Object["status"] = map[string]any{"observedGeneration": hr.GetGeneration(), "conditions": []any{map[string]any{
		"type": "Ready", "status": "True", "reason": "UpgradeSucceeded", "message": "Helm upgrade succeeded",
		"lastTransitionTime": time.Now().UTC().Format(time.RFC3339), "observedGeneration": hr.GetGeneration()}}}
	return c.Status().Update(ctx, hr)
}

// labelForFlux labels the release's Deployment web as helm-controller's post-renderer does.
func labelForFlux(ctx context.Context, c client.Client, ns, name string) error {
	patch := []byte(`{"metadata":{"labels":{"helm.toolkit.fluxcd.io/name":"` + name + `","helm.toolkit.fluxcd.io/namespace":"` + ns + `"}}}`)
	d := &unstructured.Unstructured{}
	d.SetAPIVersion("apps/v1")
	d.SetKind("Deployment")
	d.SetNamespace(ns)
	d.SetName("web")
	return c.Patch(ctx, d, client.RawPatch("application/merge-patch+json", patch))
}
