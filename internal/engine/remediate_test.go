package engine

import (
	"net/http"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/config"
)

func memoryLimit(t *testing.T, c client.Client, ns, name string) string {
	t.Helper()
	d := getDeployment(t, c, ns, name)
	q := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory()
	return q.String()
}

// An OOMKilled manual Deployment gets its memory limit raised, verified, recorded, with an
// Event on the Deployment, and its incident is resolved.
func TestTriggerRaisesTheMemoryLimitOfAManualDeployment(t *testing.T) {
	e, c, ns := engineWithWeb(t, fastVerify)
	playDeploymentController(t, c, ns)

	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "oom_kill", false), http.StatusAccepted, &tr)
	// Only a dry run's answer carries the change; otherwise the executor computes it.
	if tr.DeploymentMethod != "manual" || tr.Strategy != "direct" || tr.Change != nil || tr.Refusal != nil {
		t.Fatalf("trigger = %+v, want manual and direct, no change and no refusal", tr)
	}
	wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed", "cancelled")
	if wf.Status != "completed" || wf.Reason != v1alpha1.ReasonRecovered || wf.Checkpoints[0].Status != "passed" {
		t.Fatalf("workflow = %+v, want completed and verified", wf)
	}
	if got := memoryLimit(t, c, ns, "web"); got != "384Mi" {
		t.Fatalf("memory limit = %s, want 384Mi (256Mi × 1.5)", got)
	}
	if evs := waitEvents(t, c, ns, "web", v1alpha1.EventRemediated, 1); len(evs) != 1 {
		t.Fatalf("Remediated Events on the Deployment = %d, want 1", len(evs))
	}
	var inc struct{ Status string }
	e.mustDo(http.MethodGet, "/api/v1/incidents/"+tr.IncidentID, "", http.StatusOK, &inc)
	if inc.Status != "completed" {
		t.Fatalf("incident status = %s, want completed", inc.Status)
	}
}

// Targets that something else manages are refused with a reason and left untouched; the
// incident is escalated.
func TestTriggerRefusesTargetsManagedByOthers(t *testing.T) {
	e := startEngine(t, fastVerify)
	c := env.Client(t)
	ns := env.Namespace(t)
	tests := []struct {
		name, deployment, reason string
		opts                     []deploymentOption
	}{
		{"an Argo CD-tracked Deployment whose Application is gone is never patched live", "argo", "OwnerNotFound",
			[]deploymentOption{withAnnotations("argocd.argoproj.io/tracking-id", "shop:apps/Deployment:"+ns+"/argo")}},
		{"a Deployment a Flux Kustomization applies is never patched live", "flux", "GitOpsManaged",
			[]deploymentOption{withLabels("kustomize.toolkit.fluxcd.io/name", "apps", "kustomize.toolkit.fluxcd.io/namespace", "flux-system")}},
		{"a Helm release's Deployment whose release is gone is changed only through Helm", "helm", "OwnerNotFound",
			[]deploymentOption{withLabels("app.kubernetes.io/managed-by", "Helm"), withAnnotations("meta.helm.sh/release-name", "shop", "meta.helm.sh/release-namespace", ns)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newDeployment(t, c, ns, tt.deployment, tt.opts...)
			var tr triggerAnswer
			e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", tt.deployment, "oom_kill", false), http.StatusAccepted, &tr)
			wf := e.waitWorkflow(tr.WorkflowID, "failed", "completed")
			if wf.Status != "failed" || wf.Reason != tt.reason {
				t.Fatalf("workflow = %s (%s: %s), want failed with %s", wf.Status, wf.Reason, wf.Message, tt.reason)
			}
			if d := getDeployment(t, c, ns, tt.deployment); d.Generation != 1 {
				t.Fatalf("Deployment generation = %d, want 1 (untouched)", d.Generation)
			}
			if inc := e.waitIncident(tr.IncidentID, func(i incidentView) bool { return i.Severity == "high" }); inc.Status == "completed" {
				t.Fatalf("incident = %+v, want open and escalated from medium to high", inc)
			}
		})
	}
}

// A dry run answers with the exact change and changes nothing.
func TestDryRunReturnsTheChangeAndChangesNothing(t *testing.T) {
	e, c, ns := engineWithWeb(t, fastVerify)
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "web", "pod_crash", true), http.StatusAccepted, &tr)
	if tr.Change == nil || !strings.Contains(tr.Change.Patch, "kubectl.kubernetes.io/restartedAt") || tr.Change.Diff == "" {
		t.Fatalf("dry run change = %+v, want the restart patch and a diff", tr.Change)
	}
	wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed")
	if wf.Reason != v1alpha1.ReasonDryRun {
		t.Fatalf("workflow = %s (%s: %s), want completed as a dry run", wf.Status, wf.Reason, wf.Message)
	}
	if d := getDeployment(t, c, ns, "web"); d.Generation != 1 {
		t.Fatalf("Deployment generation = %d after a dry run, want 1", d.Generation)
	}
}

// An operator-managed Deployment is remediated through its custom resource; the Deployment
// itself is not patched.
func TestOperatorManagedDeploymentIsChangedThroughItsCustomResource(t *testing.T) {
	e := startEngine(t, fastVerify, func(o *config.Options) {
		o.OperatorFieldMappings = "Cache.example.selfhealing.dev:set_memory_limit=/spec/memory"
	})
	c := env.Client(t)
	ns := env.Namespace(t)
	cr := operatedDeployment(t, c, ns, "redis", map[string]any{"memory": "256Mi"})
	playDeploymentController(t, c, ns)
	var tr triggerAnswer
	e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", "redis", "OOMKilled", false), http.StatusAccepted, &tr)
	wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed")
	if wf.Status != "completed" || wf.DeploymentMethod != "operator" || wf.Strategy != "operator" {
		t.Fatalf("workflow = %+v, want completed through the operator strategy", wf)
	}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(cr), cr); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := unstructured.NestedString(cr.Object, "spec", "memory"); got != "384Mi" {
		t.Fatalf("Cache spec.memory = %s, want 384Mi", got)
	}
	if d := getDeployment(t, c, ns, "redis"); d.Generation != 1 {
		t.Fatalf("the operator's Deployment was patched (generation %d); only the custom resource may change", d.Generation)
	}
}
