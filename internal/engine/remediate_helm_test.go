package engine

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// imageTag is chart values that set the web chart's image tag.
func imageTag(tag string) map[string]any {
	return map[string]any{"image": map[string]any{"tag": tag}}
}

// A Helm release is changed with the Helm SDK through its release records: a dry run renders
// the new manifests and makes no revision; an OOMKilled container gets an upgrade with the
// release's own chart and values plus the memory limit at the values path the chart uses; a
// bad image is rolled back to the newest deployed revision that runs another image.
func TestHelmReleasesAreRemediatedWithTheSDK(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	ns := env.Namespace(t)
	playDeploymentController(t, c, ns)
	h := newHelmFixture(t, ns)
	h.mustDeploy("web", imageTag("1.0"))
	h.mustDeploy("web", imageTag("2.0-broken"))

	var dry triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", true), http.StatusAccepted, &dry)
	if dry.Strategy != "helm" || dry.Change == nil || !strings.Contains(dry.Change.Diff, "96Mi") {
		t.Fatalf("dry run answer = %+v (change %+v), want the helm strategy and a rendered diff to 96Mi", dry, dry.Change)
	}
	e.waitWorkflow(dry.WorkflowID, "completed")
	if n := len(h.history("web")); n != 2 || deploymentMemoryLimit(t, c, ns, "web") != "64Mi" {
		t.Fatalf("after a dry run: %d revisions, limit %s; want 2 and 64Mi", n, deploymentMemoryLimit(t, c, ns, "web"))
	}

	var oom triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", false), http.StatusAccepted, &oom)
	if wf := e.waitWorkflow(oom.WorkflowID, "completed", "failed"); wf.Status != "completed" {
		t.Fatalf("OOMKilled workflow = %+v", wf)
	}
	hist := h.history("web")
	latest := hist[len(hist)-1]
	limits, _, _ := unstructured.NestedString(latest.Config, "resources", "limits", "memory")
	tag, _, _ := unstructured.NestedString(latest.Config, "image", "tag")
	if len(hist) != 3 || limits != "96Mi" || tag != "2.0-broken" {
		t.Errorf("revision %d values = %v, want 3 revisions with the release's values plus resources.limits.memory=96Mi", latest.Version, latest.Config)
	}
	if got := deploymentMemoryLimit(t, c, ns, "web"); got != "96Mi" {
		t.Errorf("live memory limit = %s, want 96Mi", got)
	}

	var bad triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "ImagePullBackOff", false), http.StatusAccepted, &bad)
	if wf := e.waitWorkflow(bad.WorkflowID, "completed", "failed"); wf.Status != "completed" {
		t.Fatalf("ImagePullBackOff workflow = %+v", wf)
	}
	if got := getDeployment(t, c, ns, "web").Spec.Template.Spec.Containers[0].Image; got != "example/app:1.0" {
		t.Errorf("live image = %s, want example/app:1.0 (revision 1)", got)
	}
	if hist := h.history("web"); len(hist) != 4 || !strings.Contains(hist[3].Info.Description, "roll back to revision 1") {
		t.Errorf("after the rollback: %d revisions, latest %q; want 4, a rollback to revision 1", len(hist), hist[len(hist)-1].Info.Description)
	}
}

// A release that a Flux HelmRelease manages is changed through the HelmRelease's values, never
// with a Helm rollback Flux would fight; the test plays helm-controller.
func TestFluxHelmReleasesAreRemediatedThroughTheHelmRelease(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	ns := env.Namespace(t)
	playDeploymentController(t, c, ns)
	h := newHelmFixture(t, ns)
	hr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
		"metadata": map[string]any{"name": "web", "namespace": ns},
		"spec": map[string]any{"interval": "5m", "chart": map[string]any{"spec": map[string]any{"chart": "web",
			"sourceRef": map[string]any{"kind": "HelmRepository", "name": "charts"}}}, "values": imageTag("1.0")},
	}}
	if err := c.Create(t.Context(), hr); err != nil {
		t.Fatal(err)
	}
	playFluxHelmController(t, c, h, "web")
	waitRevisions(t, h, "web", 1)
	setHelmReleaseValues(t, c, ns, imageTag("2.0-broken"))
	waitRevisions(t, h, "web", 2)

	var dry triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", true), http.StatusAccepted, &dry)
	if dry.Strategy != "flux" || dry.Change == nil || !strings.Contains(dry.Change.Patch, "96Mi") {
		t.Fatalf("dry run answer = %+v (change %+v), want the flux strategy patching the HelmRelease's values", dry, dry.Change)
	}
	e.waitWorkflow(dry.WorkflowID, "completed")
	if n := len(h.history("web")); n != 2 || helmReleaseGeneration(t, c, ns) != 2 {
		t.Fatalf("after a dry run: %d revisions, HelmRelease generation %d; want 2 and 2", n, helmReleaseGeneration(t, c, ns))
	}

	var oom triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "OOMKilled", false), http.StatusAccepted, &oom)
	if wf := e.waitWorkflow(oom.WorkflowID, "completed", "failed"); wf.Status != "completed" {
		t.Fatalf("OOMKilled workflow = %+v", wf)
	}
	if got := deploymentMemoryLimit(t, c, ns, "web"); got != "96Mi" {
		t.Errorf("live memory limit = %s, want 96Mi (through the HelmRelease)", got)
	}

	var bad triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "ImagePullBackOff", false), http.StatusAccepted, &bad)
	if wf := e.waitWorkflow(bad.WorkflowID, "completed", "failed"); wf.Status != "completed" {
		t.Fatalf("ImagePullBackOff workflow = %+v", wf)
	}
	if got := getDeployment(t, c, ns, "web").Spec.Template.Spec.Containers[0].Image; got != "example/app:1.0" {
		t.Errorf("live image = %s, want example/app:1.0", got)
	}
	for _, r := range h.history("web") {
		if strings.Contains(r.Info.Description, "Rollback") || strings.Contains(r.Info.Description, "roll back") {
			t.Errorf("revision %d is a Helm rollback (%q): Flux would fight it", r.Version, r.Info.Description)
		}
	}
}

func setHelmReleaseValues(t *testing.T, c client.Client, ns string, values map[string]any) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error { // the player writes its status meanwhile
		hr := getHelmRelease(t, c, ns)
		hr.Object["spec"].(map[string]any)["values"] = values
		return c.Update(t.Context(), hr)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func getHelmRelease(t *testing.T, c client.Client, ns string) *unstructured.Unstructured {
	t.Helper()
	hr := &unstructured.Unstructured{}
	hr.SetAPIVersion("helm.toolkit.fluxcd.io/v2")
	hr.SetKind("HelmRelease")
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "web"}, hr); err != nil {
		t.Fatal(err)
	}
	return hr
}

func helmReleaseGeneration(t *testing.T, c client.Client, ns string) int64 {
	return getHelmRelease(t, c, ns).GetGeneration()
}

// waitRevisions waits until the release has n revisions.
func waitRevisions(t *testing.T, h *helmFixture, name string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cfg, err := h.config()
		if err == nil {
			if rels, err := cfg.Releases.History(name); err == nil && len(rels) >= n {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("release %s did not reach %d revisions in 20s", name, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
