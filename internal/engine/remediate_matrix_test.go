package engine

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/config"
)

// withHistory gives a manual Deployment the ReplicaSets kube-controller-manager would have made:
// revision 1 (image app:1.0) still serving with 2 ready pods, revision 2 (the live template) with
// none: a rollout that broke the workload.
func withHistory(t *testing.T, c client.Client, d *appsv1.Deployment) {
	t.Helper()
	yes := true
	for rev, image := range map[int]string{1: "example/app:0.9", 2: d.Spec.Template.Spec.Containers[0].Image} {
		tmpl := d.Spec.Template.DeepCopy()
		tmpl.Spec.Containers[0].Image = image
		tmpl.Labels["pod-template-hash"] = fmt.Sprint("h", rev)
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: d.Namespace, Name: fmt.Sprintf("%s-h%d", d.Name, rev), Labels: tmpl.Labels,
				Annotations:     map[string]string{"deployment.kubernetes.io/revision": fmt.Sprint(rev)},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &yes}}},
			Spec: appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: d.Spec.Selector, Template: *tmpl},
		}
		if err := c.Create(t.Context(), rs); err != nil {
			t.Fatal(err)
		}
		if rev == 1 {
			rs.Status = appsv1.ReplicaSetStatus{Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}
			if err := c.Status().Update(t.Context(), rs); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Every deployment method × every workload issue type, as dry runs: the action the engine would
// take and the strategy that would take it, or the reason it refuses. Nothing changes.
func TestEveryDeploymentMethodAndIssueType(t *testing.T) {
	e := startEngine(t, fastVerify, func(o *config.Options) {
		o.OperatorFieldMappings = "Cache.example.selfhealing.dev:set_memory_limit=/spec/memory,scale=/spec/replicas"
	})
	c := env.Client(t)
	ns := env.Namespace(t)
	manual := newDeployment(t, c, ns, "manual")
	withHistory(t, c, manual)
	cr := operatedDeployment(t, c, ns, "operated", map[string]any{"memory": "256Mi", "replicas": int64(2)})
	newDeployment(t, c, ns, "helm", withLabels("app.kubernetes.io/managed-by", "Helm"),
		withAnnotations("meta.helm.sh/release-name", "shop", "meta.helm.sh/release-namespace", ns))
	newDeployment(t, c, ns, "argocd", withAnnotations("argocd.argoproj.io/tracking-id", "shop:apps/Deployment:"+ns+"/argocd"))
	newDeployment(t, c, ns, "flux", withLabels("kustomize.toolkit.fluxcd.io/name", "apps", "kustomize.toolkit.fluxcd.io/namespace", "flux-system"))
	newDeployment(t, c, ns, "unknown", ownedBy("things.example.invalid/v1", "Thing", "x", "00000000-0000-0000-0000-000000000000"))
	newDeployment(t, c, ns, "orphaned", ownedBy("example.selfhealing.dev/v1", "Cache", "gone", "00000000-0000-0000-0000-000000000001"))

	issues := []string{"CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "high_cpu", "ProgressDeadlineExceeded"}
	want := map[string][]string{ // per target, per issue: "strategy/action" or the refusal reason
		"manual":   {"direct/rollback", "direct/set_memory_limit", "direct/rollback", "direct/scale", "direct/rollback"},
		"operated": {"operator/restart", "operator/set_memory_limit", "NoFieldMapping", "operator/scale", "NoFieldMapping"},
		// Labelled by Helm and tracked by Argo CD, but the release and the Application do not
		// exist: nothing to change them through (the strategies' own tests have real ones).
		"helm":   {"OwnerNotFound", "OwnerNotFound", "OwnerNotFound", "OwnerNotFound", "OwnerNotFound"},
		"argocd": {"OwnerNotFound", "OwnerNotFound", "OwnerNotFound", "OwnerNotFound", "OwnerNotFound"},
		// Applied by a Flux Kustomization from Git: changed in Git, never live.
		"flux":    {"GitOpsManaged", "GitOpsManaged", "GitOpsManaged", "GitOpsManaged", "GitOpsManaged"},
		"unknown": {"UnknownOwner", "UnknownOwner", "UnknownOwner", "UnknownOwner", "UnknownOwner"},
		// Owned by a custom resource that is gone: nothing operates it, and the engine will not
		// patch an operator's child.
		"orphaned": {"OwnerNotFound", "OwnerNotFound", "OwnerNotFound", "OwnerNotFound", "OwnerNotFound"},
	}
	for target, outcomes := range want {
		for i, issueType := range issues {
			t.Run(target+" "+issueType, func(t *testing.T) {
				var tr struct {
					triggerAnswer
					Actions []struct{ Type string } `json:"actions"`
				}
				e.mustDo(http.MethodPost, "/api/v1/remediation/trigger", triggerBody(ns, "Deployment", target, issueType, true), http.StatusAccepted, &tr)
				got := ""
				switch {
				case tr.Refusal != nil:
					got = tr.Refusal.Reason
				case tr.Change != nil && len(tr.Actions) == 1:
					got = tr.Strategy + "/" + tr.Actions[0].Type
				}
				if got != outcomes[i] {
					t.Fatalf("dry run of %s on %s = %q (answer %+v, message %q), want %q", issueType, target, got, tr, tr.Message, outcomes[i])
				}
				if !strings.Contains(outcomes[i], "/") {
					return
				}
				if wf := e.waitWorkflow(tr.WorkflowID, "completed", "failed"); wf.Reason != "DryRun" {
					t.Fatalf("workflow = %s (%s: %s), want completed as a dry run", wf.Status, wf.Reason, wf.Message)
				}
			})
		}
	}
	for _, name := range []string{"manual", "operated", "helm", "argocd", "flux", "unknown", "orphaned"} {
		if d := getDeployment(t, c, ns, name); d.Generation != 1 {
			t.Errorf("Deployment %s changed by dry runs (generation %d)", name, d.Generation)
		}
	}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(cr), cr); err != nil {
		t.Fatal(err)
	}
	if m, _, _ := unstructured.NestedString(cr.Object, "spec", "memory"); m != "256Mi" || len(cr.GetAnnotations()) != 0 {
		t.Errorf("the Cache changed by dry runs: memory %s, annotations %v", m, cr.GetAnnotations())
	}
}
