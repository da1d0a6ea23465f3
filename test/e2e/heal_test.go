package e2e

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

// TestHealingOnTheLocalCluster is the issue's "Done when": through POST
// /api/v1/remediation/trigger each issue type is remediated on manual and operator-managed
// Deployments of a real control plane with kwok-scripted faults and verified, and GitOps-managed
// Deployments are refused with a reason. One engine process serves every case; each case has its
// own namespace and the cases run in parallel.
func TestHealingOnTheLocalCluster(t *testing.T) {
	c := localCluster(t)
	e := startHealingEngine(t, c, "OPERATOR_FIELD_MAPPINGS="+cacheFieldMappings)
	cs := kubernetes.NewForConfigOrDie(c.RESTConfig())
	startCacheOperator(t, c.RESTConfig())

	t.Run("manual", func(t *testing.T) {
		t.Parallel()
		testManualTargets(t, e, cs)
	})
	t.Run("operator-managed", func(t *testing.T) {
		t.Parallel()
		testOperatorTargets(t, e, c)
	})
	t.Run("GitOps-managed", func(t *testing.T) {
		t.Parallel()
		testGitOpsTargets(t, e, cs)
	})
}

// manualCase breaks a Deployment that kubectl could have made, asks the engine to remediate it,
// and checks what the Deployment looks like afterwards.
type manualCase struct {
	name  string
	issue string
	// action is the action the engine should choose.
	action string
	// breakIt creates the Deployment, brings it into the failing state the issue describes and
	// returns its name.
	breakIt func(t *testing.T, cs kubernetes.Interface, ns string) string
	// check asserts the end state of the healed (rolled-out) Deployment.
	check func(t *testing.T, d *appsv1.Deployment)
}

func testManualTargets(t *testing.T, e *engine, cs kubernetes.Interface) {
	tests := []manualCase{
		{
			name: "an OOMKilled Deployment gets its memory limit raised by half", issue: "oom_kill", action: "set_memory_limit",
			breakIt: func(t *testing.T, cs kubernetes.Interface, ns string) string {
				create(t, cs, withOOMKill(kwokDeployment(ns, "cache", 2, "redis:7.4", "64Mi"), "96Mi"))
				waitPodsFailing(t, cs, ns, "cache", "OOMKilled")
				return "cache"
			},
			check: func(t *testing.T, d *appsv1.Deployment) {
				if got := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "96Mi" {
					t.Errorf("memory limit = %s, want 96Mi", got)
				}
			},
		},
		{
			name: "a crash loop that came with a rollout is rolled back", issue: "pod_crash", action: "rollback",
			breakIt: func(t *testing.T, cs kubernetes.Interface, ns string) string {
				create(t, cs, kwokDeployment(ns, "payments", 2, "payments:1", "128Mi"))
				waitRolledOut(t, cs, ns, "payments")
				patchTemplate(t, cs, ns, "payments", fmt.Sprintf(`{"metadata":{"labels":{%q:"crashloop"},"annotations":{%q:"1s"}},"spec":{"containers":[{"name":"app","image":"payments:2"}]}}`,
					localcluster.FaultLabel, localcluster.RestartIntervalAnnotation))
				waitPodsFailing(t, cs, ns, "payments", "Error")
				return "payments"
			},
			check: func(t *testing.T, d *appsv1.Deployment) {
				checkRevision1(t, d, "payments:1")
			},
		},
		{
			name: "an image that cannot be pulled is rolled back to the last working image", issue: "ImagePullBackOff", action: "rollback",
			breakIt: func(t *testing.T, cs kubernetes.Interface, ns string) string {
				create(t, cs, kwokDeployment(ns, "web", 2, "web:1.0", "128Mi"))
				waitRolledOut(t, cs, ns, "web")
				patchTemplate(t, cs, ns, "web", `{"spec":{"containers":[{"name":"app","image":"web:bad"}]}}`)
				waitPodsFailing(t, cs, ns, "web", "ImagePullBackOff")
				return "web"
			},
			check: func(t *testing.T, d *appsv1.Deployment) {
				checkRevision1(t, d, "web:1.0")
			},
		},
		{
			name: "high CPU scales out by one replica", issue: "high_cpu", action: "scale",
			breakIt: func(t *testing.T, cs kubernetes.Interface, ns string) string {
				create(t, cs, kwokDeployment(ns, "api", 2, "api:1", "128Mi"))
				waitRolledOut(t, cs, ns, "api")
				return "api"
			},
			check: func(t *testing.T, d *appsv1.Deployment) {
				if *d.Spec.Replicas != 3 || d.Status.ReadyReplicas != 3 {
					t.Errorf("replicas = %d (%d ready), want 3 (3 ready)", *d.Spec.Replicas, d.Status.ReadyReplicas)
				}
			},
		},
		{
			name: "a rollout past its progress deadline is rolled back", issue: "ProgressDeadlineExceeded", action: "rollback",
			breakIt: func(t *testing.T, cs kubernetes.Interface, ns string) string {
				d := kwokDeployment(ns, "shop", 2, "shop:1", "128Mi")
				d.Spec.ProgressDeadlineSeconds = new(int32(8))
				create(t, cs, d)
				waitRolledOut(t, cs, ns, "shop")
				// Revision 2 never becomes Ready: its pods crash every 2 s.
				patchTemplate(t, cs, ns, "shop", fmt.Sprintf(`{"metadata":{"labels":{%q:"crashloop"},"annotations":{%q:"2s"}},"spec":{"containers":[{"name":"app","image":"shop:2"}]}}`,
					localcluster.FaultLabel, localcluster.RestartIntervalAnnotation))
				waitUntil(t, 60*time.Second, "shop Progressing=False (ProgressDeadlineExceeded)", func() error {
					d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "shop", metav1.GetOptions{})
					if err != nil {
						return err
					}
					for _, c := range d.Status.Conditions {
						if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
							return nil
						}
					}
					return fmt.Errorf("conditions %+v", d.Status.Conditions)
				})
				return "shop"
			},
			check: func(t *testing.T, d *appsv1.Deployment) {
				checkRevision1(t, d, "shop:1")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := clusterNamespace(t, cs, "heal")
			name := tt.breakIt(t, cs, ns)

			tr := trigger(t, e, ns, name, tt.issue)
			if tr.Refusal != nil {
				t.Fatalf("trigger refused at once: %+v", *tr.Refusal)
			}
			wf, took := waitFinished(t, e, tr.WorkflowID)
			t.Logf("timing: %s on a manual Deployment: trigger to %s in %v", tt.issue, wf.Status, took.Round(100*time.Millisecond))
			checkRecovered(t, e, wf, "manual", "direct", tt.action)
			checkAnswerMatchesStep(t, tr, wf)

			d := waitRolledOut(t, cs, ns, name)
			tt.check(t, d)
		})
	}
}

// checkRevision1 asserts that the Deployment runs revision 1 again: its image, no fault label.
func checkRevision1(t *testing.T, d *appsv1.Deployment, image string) {
	t.Helper()
	if got := d.Spec.Template.Spec.Containers[0].Image; got != image {
		t.Errorf("image = %s, want %s (revision 1)", got, image)
	}
	if f, ok := d.Spec.Template.Labels[localcluster.FaultLabel]; ok {
		t.Errorf("template still has the fault label %s=%s", localcluster.FaultLabel, f)
	}
}

// testGitOpsTargets checks that a Deployment that Argo CD tracks is refused and left untouched,
// whatever the issue.
func testGitOpsTargets(t *testing.T, e *engine, cs kubernetes.Interface) {
	for _, issue := range []string{"oom_kill", "pod_crash", "high_cpu"} {
		t.Run(issue+" on an Argo CD-tracked Deployment is refused", func(t *testing.T) {
			t.Parallel()
			ns := clusterNamespace(t, cs, "gitops")
			d := withOOMKill(kwokDeployment(ns, "shop", 2, "shop:1", "64Mi"), "96Mi")
			d.Annotations = map[string]string{"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:" + ns + "/shop"}
			create(t, cs, d)
			waitPodsFailing(t, cs, ns, "shop", "OOMKilled")
			before, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "shop", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}

			tr := trigger(t, e, ns, "shop", issue)
			wf, took := waitFinished(t, e, tr.WorkflowID)
			t.Logf("timing: %s on an Argo CD-tracked Deployment: trigger to %s in %v", issue, wf.Status, took.Round(100*time.Millisecond))
			// The tracking names an Application this cluster does not have: no Git source to
			// change, and the Deployment is never patched live.
			if wf.Status != "failed" || wf.Reason != "OwnerNotFound" {
				t.Fatalf("workflow = %s (%s: %s), want failed (OwnerNotFound)", wf.Status, wf.Reason, wf.Message)
			}
			if wf.DeploymentMethod != "argocd" {
				t.Errorf("deployment_method = %q, want argocd", wf.DeploymentMethod)
			}
			for _, s := range wf.Steps {
				if s.Status == "completed" || s.Status == "running" {
					t.Errorf("a refused workflow has a %s step: %+v", s.Status, s)
				}
			}
			// Escalated: the incident stays open for people, one severity step higher.
			waitUntil(t, 10*time.Second, "incident "+wf.IncidentID+" escalated", func() error {
				if inc := getIncident(t, e, wf.IncidentID); inc.Status != "running" || inc.Severity != "high" {
					return fmt.Errorf("incident %+v, want running with severity raised from medium to high", inc)
				}
				return nil
			})
			// The engine has had its chance; give a stray write a moment to land, then compare.
			time.Sleep(2 * time.Second)
			after, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "shop", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if after.Generation != before.Generation || !apiequality.Semantic.DeepEqual(after.Spec, before.Spec) {
				t.Errorf("the Deployment changed: generation %d -> %d, spec equal %v", before.Generation, after.Generation,
					apiequality.Semantic.DeepEqual(after.Spec, before.Spec))
			}
		})
	}
}

func create(t *testing.T, cs kubernetes.Interface, d *appsv1.Deployment) {
	t.Helper()
	if _, err := cs.AppsV1().Deployments(d.Namespace).Create(t.Context(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// patchTemplate applies a strategic merge patch to the Deployment's pod template: a new revision.
func patchTemplate(t *testing.T, cs kubernetes.Interface, ns, name, templatePatch string) {
	t.Helper()
	patch := `{"spec":{"template":` + templatePatch + `}}`
	if _, err := cs.AppsV1().Deployments(ns).Patch(t.Context(), name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitPodsFailing waits until a pod of app shows the failure: a container whose last
// termination or current wait has the reason (OOMKilled, Error, ImagePullBackOff).
func waitPodsFailing(t *testing.T, cs kubernetes.Interface, ns, app, reason string) {
	t.Helper()
	waitUntil(t, 60*time.Second, "a pod of "+app+" failing with "+reason, func() error {
		pods, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return err
		}
		for _, p := range pods.Items {
			for _, s := range p.Status.ContainerStatuses {
				if failedWith(s, reason) {
					return nil
				}
			}
		}
		return fmt.Errorf("no pod failing with %s:%s", reason, describePods(pods.Items))
	})
}

func failedWith(s corev1.ContainerStatus, reason string) bool {
	if t := s.LastTerminationState.Terminated; t != nil && t.Reason == reason {
		return true
	}
	return s.State.Waiting != nil && s.State.Waiting.Reason == reason
}
