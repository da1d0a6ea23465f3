package flux

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	internalaction "selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation/helm"
	"selfhealing.dev/coordination-engine/internal/remediation/workload"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.MainWith(m, &env, filepath.Join("testdata", "crds")))
}

// fixture is the strategy on a real API server with a namespace of its own, where Helm
// releases are installed with the Helm SDK as helm-controller would, and HelmReleases created.
type fixture struct {
	c          client.Client
	s          *Strategy
	ns         string
	kubeconfig string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	c := env.Client(t)
	w := guardrail.TestWriter(c)
	rels, err := helm.NewReleases(env.Config, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	kc, err := env.KubeconfigFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{c: c, s: New(c, w, rels, workload.New(c, w, workload.Options{}, time.Now)), ns: env.Namespace(t), kubeconfig: kc}
}

func (f *fixture) helmConfig(t *testing.T) *action.Configuration {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &f.kubeconfig, &f.ns
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, f.ns, "secret"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// helmInstall installs (revision 1) and upgrades (the next revisions) release name with the
// web chart and each of values in turn.
func (f *fixture) helmInstall(t *testing.T, name string, values ...map[string]any) {
	t.Helper()
	ch, err := loader.LoadDir(filepath.Join("testdata", "charts", "web"))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		if i == 0 {
			in := action.NewInstall(f.helmConfig(t))
			in.ReleaseName, in.Namespace, in.WaitStrategy = name, f.ns, kube.HookOnlyStrategy
			_, err = in.RunWithContext(t.Context(), ch, v)
		} else {
			up := action.NewUpgrade(f.helmConfig(t))
			up.Namespace, up.WaitStrategy = f.ns, kube.HookOnlyStrategy
			_, err = up.RunWithContext(t.Context(), name, ch, v)
		}
		if err != nil {
			t.Fatalf("helm revision %d of %s: %v", i+1, name, err)
		}
	}
}

// helmRelease creates a HelmRelease with values and labels.
func (f *fixture) helmRelease(t *testing.T, name string, values map[string]any, labels map[string]string) *unstructured.Unstructured {
	t.Helper()
	hr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": HelmReleaseAPIVersion, "kind": "HelmRelease",
		"metadata": map[string]any{"name": name, "namespace": f.ns},
		"spec": map[string]any{"interval": "5m", "values": values, "chart": map[string]any{"spec": map[string]any{
			"chart": "web", "sourceRef": map[string]any{"kind": "HelmRepository", "name": "web"}}}},
	}}
	hr.SetLabels(labels)
	if err := f.c.Create(t.Context(), hr); err != nil {
		t.Fatalf("create HelmRelease: %v", err)
	}
	return hr
}

func (f *fixture) get(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	hr := &unstructured.Unstructured{}
	hr.SetAPIVersion(HelmReleaseAPIVersion)
	hr.SetKind("HelmRelease")
	if err := f.c.Get(t.Context(), client.ObjectKey{Namespace: f.ns, Name: name}, hr); err != nil {
		t.Fatal(err)
	}
	return hr
}

func (f *fixture) owner(name, kind string) managedby.Resolution {
	return managedby.Resolution{
		Result: managedby.Result{Method: managedby.Flux, Details: map[string]string{
			managedby.DetailFluxKind: kind, managedby.DetailFluxName: name, managedby.DetailFluxNamespace: f.ns,
			managedby.DetailHelmRelease: name, managedby.DetailHelmNamespace: f.ns}},
		Workload: managedby.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: f.ns, Name: name},
	}
}

func (f *fixture) act(typ internalaction.Type, name string) internalaction.Action {
	return internalaction.Action{Type: typ, Target: v1alpha1.Target{Kind: "Deployment", Namespace: f.ns, Name: name},
		Source: v1alpha1.SourceDeterministic, Workflow: "wf-" + name}
}

func tag(v string) map[string]any { return map[string]any{"image": map[string]any{"tag": v}} }
