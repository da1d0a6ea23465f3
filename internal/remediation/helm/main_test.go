package helm

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	internalaction "selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation/workload"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

// fixture is the strategy on a real API server with a namespace of its own, where releases are
// installed with the Helm SDK.
type fixture struct {
	c  client.Client
	s  *Strategy
	ns string
}

func setup(t testing.TB) *fixture {
	t.Helper()
	c := env.Client(t)
	w := guardrail.TestWriter(c)
	s, err := New(env.Config, c, w, workload.New(c, w, workload.Options{}, time.Now), Options{}, logr.Discard(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{c: c, s: s, ns: env.Namespace(t)}
}

func loadChart(t testing.TB, name string) *chart.Chart {
	t.Helper()
	ch, err := loader.LoadDir(filepath.Join("testdata", "charts", name))
	if err != nil {
		t.Fatalf("load chart %s: %v", name, err)
	}
	return ch
}

func (f *fixture) config(t testing.TB) *action.Configuration {
	t.Helper()
	cfg, err := f.s.configuration(f.ns)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// install installs chart as release name with values, as `helm install` would.
func (f *fixture) install(t testing.TB, name, chartName string, values map[string]any) {
	t.Helper()
	in := action.NewInstall(f.config(t))
	in.ReleaseName, in.Namespace, in.WaitStrategy = name, f.ns, kube.HookOnlyStrategy
	if _, err := in.RunWithContext(t.Context(), loadChart(t, chartName), values); err != nil {
		t.Fatalf("install %s: %v", name, err)
	}
}

// upgrade upgrades release name to chart with values, as `helm upgrade` would.
func (f *fixture) upgrade(t testing.TB, name, chartName string, values map[string]any) {
	t.Helper()
	up := action.NewUpgrade(f.config(t))
	up.Namespace, up.WaitStrategy, up.Description = f.ns, kube.HookOnlyStrategy, "upgraded by a person"
	if _, err := up.RunWithContext(t.Context(), name, loadChart(t, chartName), values); err != nil {
		t.Fatalf("upgrade %s: %v", name, err)
	}
}

// record writes a revision above the latest with status and values, the chart of the latest
// (and its manifest), as Helm leaves a revision whose upgrade failed or stopped half-way.
func (f *fixture) record(t testing.TB, name string, st rcommon.Status, since time.Duration, values map[string]any) {
	t.Helper()
	hist := f.history(t, name)
	latest := hist[len(hist)-1]
	r := *latest
	r.Version = latest.Version + 1
	r.Config = values
	r.Info = &release.Info{FirstDeployed: latest.Info.FirstDeployed, LastDeployed: time.Now().Add(-since), Status: st,
		Description: "left " + string(st) + " by a test"}
	if err := f.s.releases.storage(f.ns).Create(&r); err != nil {
		t.Fatalf("record revision %d: %v", r.Version, err)
	}
}

func (f *fixture) history(t testing.TB, name string) []*release.Release {
	t.Helper()
	hist, err := f.s.releases.History(t.Context(), f.ns, name)
	if err != nil {
		t.Fatal(err)
	}
	return hist
}

func (f *fixture) deployment(t testing.TB, name string) *appsv1.Deployment {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := f.c.Get(t.Context(), client.ObjectKey{Namespace: f.ns, Name: name}, d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) owner(name string) managedby.Resolution {
	return managedby.Resolution{
		Result:   managedby.Result{Method: managedby.Helm, Details: map[string]string{managedby.DetailHelmRelease: name, managedby.DetailHelmNamespace: f.ns}},
		Workload: managedby.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: f.ns, Name: name},
	}
}

func (f *fixture) act(typ internalaction.Type, name string) internalaction.Action {
	return internalaction.Action{Type: typ, Target: v1alpha1.Target{Kind: "Deployment", Namespace: f.ns, Name: name},
		Source: v1alpha1.SourceDeterministic, Workflow: "wf-" + name, Incident: "inc-1"}
}

func image(d *appsv1.Deployment) string { return d.Spec.Template.Spec.Containers[0].Image }

func memoryLimit(d *appsv1.Deployment) string {
	q := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory()
	return q.String()
}

func tag(v string) map[string]any { return map[string]any{"image": map[string]any{"tag": v}} }
