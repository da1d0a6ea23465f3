package main

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

// ordersRelease is the demo's Helm-managed workload: release "orders" of the chart
// hack/samples/charts/orders, its Deployment "orders".
const ordersRelease = "orders"

// ordersFault is the values the demo installs orders with: pod labels and annotations that make
// kwok OOMKill its pods every 10 s while their memory limit (64Mi in the chart) is below 96Mi.
func ordersFault() map[string]any {
	return map[string]any{
		"podLabels": map[string]any{localcluster.FaultLabel: "oomkill"},
		"podAnnotations": map[string]any{
			localcluster.OOMBelowAnnotation:        "96Mi",
			localcluster.RestartIntervalAnnotation: "10s",
		},
	}
}

// helmReleases installs and reads the demo's Helm releases in one namespace with the Helm SDK,
// through the release Secrets, as `helm` does.
type helmReleases struct {
	ns  string
	cfg *action.Configuration
}

// newHelmReleases configures the Helm SDK for namespace ns of the KUBECONFIG cluster; the
// discovery cache goes to cacheDir instead of ~/.kube/cache.
func newHelmReleases(ns, cacheDir string) (*helmReleases, error) {
	flags := genericclioptions.NewConfigFlags(false)
	flags.Namespace, flags.CacheDir = &ns, &cacheDir
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, ns, "secret"); err != nil {
		return nil, fmt.Errorf("helm configuration: %w", err)
	}
	return &helmReleases{ns: ns, cfg: cfg}, nil
}

// install installs release name of the chart in chartDir with values. A release of that name
// left by an earlier run (KEEP_CLUSTER=1) is uninstalled first, so the demo always starts from
// revision 1.
func (h *helmReleases) install(ctx context.Context, name, chartDir string, values map[string]any) error {
	ch, err := loader.LoadDir(chartDir)
	if err != nil {
		return fmt.Errorf("load chart %s: %w", chartDir, err)
	}
	hist, err := h.cfg.Releases.History(name)
	if err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		return fmt.Errorf("read release %s: %w", name, err)
	}
	if len(hist) > 0 {
		un := action.NewUninstall(h.cfg)
		un.WaitStrategy = kube.HookOnlyStrategy
		if _, err := un.Run(name); err != nil {
			return fmt.Errorf("uninstall the earlier release %s: %w", name, err)
		}
	}
	in := action.NewInstall(h.cfg)
	in.ReleaseName, in.Namespace, in.WaitStrategy = name, h.ns, kube.HookOnlyStrategy
	// Client-side apply, as every Helm 3 install: the engine's upgrade follows the release's
	// apply method. (Server-side apply, Helm 4's default, makes the installer the field manager
	// of the memory limit, and the engine's upgrade currently fails with a conflict.)
	in.ServerSideApply = false
	if _, err := in.RunWithContext(ctx, ch, values); err != nil {
		return fmt.Errorf("install release %s: %w", name, err)
	}
	return nil
}

// revision is the number of the release's latest revision, read from its release Secrets.
func (h *helmReleases) revision(name string) (int, error) {
	r, err := h.cfg.Releases.Last(name)
	if err != nil {
		return 0, fmt.Errorf("read release %s: %w", name, err)
	}
	rel, ok := r.(*release.Release)
	if !ok {
		return 0, fmt.Errorf("read release %s: unexpected record type %T", name, r)
	}
	return rel.Version, nil
}
