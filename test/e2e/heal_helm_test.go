package e2e

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/testenv"
	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

// TestHealingAHelmReleaseOnTheLocalCluster installs a release of the demo's orders chart with
// the Helm SDK, its values scripting an OOMKill below 96Mi, and asks the engine to remediate the
// OOMKilled Deployment: the engine upgrades the release with its own chart and values plus the
// memory limit at the values path the chart uses, and the new pods are no longer killed.
func TestHealingAHelmReleaseOnTheLocalCluster(t *testing.T) {
	c := localCluster(t)
	cs := kubernetes.NewForConfigOrDie(c.RESTConfig())
	// The healing tests share the engine's namespace: wait until an earlier test's is gone, and
	// leave none terminating for the next (this cleanup runs after startHealingEngine's).
	waitNamespaceGone(t, cs, healingEngineNamespace)
	t.Cleanup(func() { waitNamespaceGone(t, cs, healingEngineNamespace) })
	e := startHealingEngine(t, c)

	tests := []struct {
		name            string
		serverSideApply bool
	}{
		{name: "installed with client-side apply, as Helm 3 installs", serverSideApply: false},
		// The installer's field manager owns resources.limits.memory; the engine's upgrade takes
		// it over instead of failing with a conflict.
		{name: "installed with server-side apply, Helm 4's default", serverSideApply: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := clusterNamespace(t, cs, "helm")
			h := newHelmReleases(t, c, ns)
			h.install("orders", ordersFault(), tt.serverSideApply)
			waitPodsFailing(t, cs, ns, "orders", "OOMKilled")

			tr := trigger(t, e, ns, "orders", "OOMKilled")
			if tr.Refusal != nil {
				t.Fatalf("trigger refused at once: %+v", *tr.Refusal)
			}
			wf, took := waitFinished(t, e, tr.WorkflowID)
			t.Logf("timing: OOMKilled on a Helm release: trigger to %s in %v", wf.Status, took.Round(100*time.Millisecond))
			checkRecovered(t, e, wf, "helm", "helm", "set_memory_limit")
			checkAnswerMatchesStep(t, tr, wf)

			d := waitRolledOut(t, cs, ns, "orders")
			if got := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "96Mi" {
				t.Errorf("memory limit = %s, want 96Mi", got)
			}
			rel := h.last("orders")
			limit, _, _ := unstructured.NestedString(rel.Config, "resources", "limits", "memory")
			fault, _, _ := unstructured.NestedString(rel.Config, "podLabels", localcluster.FaultLabel)
			if rel.Version != 2 || rel.Info.Status != rcommon.StatusDeployed || limit != "96Mi" || fault != "oomkill" {
				t.Errorf("release orders = revision %d %s with values %v; want revision 2 deployed with the installed values plus resources.limits.memory=96Mi",
					rel.Version, rel.Info.Status, rel.Config)
			}
			// The fault label is still on the pods: only the limit stops kwok's OOMKills. Give a
			// killed pod two restart intervals to show it.
			time.Sleep(2 * time.Second)
			checkNotFailing(t, cs, ns, "orders", "OOMKilled")
		})
	}
}

// ordersFault is values for the orders chart that make kwok OOMKill the pods every second while
// their memory limit (64Mi in the chart) is below 96Mi.
func ordersFault() map[string]any {
	return map[string]any{
		"podLabels": map[string]any{localcluster.FaultLabel: "oomkill"},
		"podAnnotations": map[string]any{
			localcluster.OOMBelowAnnotation:        "96Mi",
			localcluster.RestartIntervalAnnotation: "1s",
		},
	}
}

// helmReleases installs and reads releases of the orders chart (hack/samples/charts/orders) in
// one namespace with the Helm SDK, through the release Secrets, as `helm` does.
type helmReleases struct {
	t  *testing.T
	ns string
	// getter is the cluster and namespace; its discovery cache is in a temporary directory.
	getter *genericclioptions.ConfigFlags
}

func newHelmReleases(t *testing.T, c *localcluster.Cluster, ns string) *helmReleases {
	kubeconfig, cacheDir := c.Kubeconfig(), t.TempDir()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace, flags.CacheDir = &kubeconfig, &ns, &cacheDir
	return &helmReleases{t: t, ns: ns, getter: flags}
}

func (h *helmReleases) config() *action.Configuration {
	h.t.Helper()
	cfg := action.NewConfiguration()
	if err := cfg.Init(h.getter, h.ns, "secret"); err != nil {
		h.t.Fatal(err)
	}
	return cfg
}

// install installs release name of the orders chart with values, applying its objects with
// server-side or client-side apply.
func (h *helmReleases) install(name string, values map[string]any, serverSideApply bool) {
	h.t.Helper()
	ch, err := loader.LoadDir(filepath.Join(testenv.RepoRoot(), "hack", "samples", "charts", "orders"))
	if err != nil {
		h.t.Fatal(err)
	}
	in := action.NewInstall(h.config())
	in.ReleaseName, in.Namespace, in.WaitStrategy, in.ServerSideApply = name, h.ns, kube.HookOnlyStrategy, serverSideApply
	if _, err := in.RunWithContext(h.t.Context(), ch, values); err != nil {
		h.t.Fatalf("helm install %s: %v", name, err)
	}
}

// last is the release's latest revision.
func (h *helmReleases) last(name string) *release.Release {
	h.t.Helper()
	r, err := h.config().Releases.Last(name)
	if err != nil {
		h.t.Fatal(err)
	}
	rel, ok := r.(*release.Release)
	if !ok {
		h.t.Fatalf("release %s is a %T", name, r)
	}
	return rel
}

// checkNotFailing asserts that no pod of app shows the failure reason.
func checkNotFailing(t *testing.T, cs kubernetes.Interface, ns, app, reason string) {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		for _, s := range p.Status.ContainerStatuses {
			if failedWith(s, reason) {
				t.Errorf("pod %s still fails with %s after the remedy:%s", p.Name, reason, describePods(pods.Items))
			}
		}
	}
}

// waitNamespaceGone waits until the namespace no longer exists (deleting it takes the namespace
// controller a few seconds).
func waitNamespaceGone(t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		_, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		if ctx.Err() != nil {
			t.Errorf("namespace %s still exists after 90s (%v)", ns, errors.Join(err, ctx.Err()))
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
