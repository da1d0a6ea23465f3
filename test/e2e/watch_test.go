package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

// watchingEngineNamespace holds the records of the engine that watches the cluster.
const watchingEngineNamespace = "coordination-engine-watch"

// TestWatchersHealWithoutAnyAPICall is issue 6's "Done when": with nobody calling the API, the
// engine's watchers notice a crash-looping Deployment, an OOMKilled container, a bad image and a
// NotReady node on the local cluster (kwok scripts the faults), and each is remediated by the
// right strategy, verified and recorded. The test only reads the API.
func TestWatchersHealWithoutAnyAPICall(t *testing.T) {
	c := localCluster(t)
	cs := kubernetes.NewForConfigOrDie(c.RESTConfig())
	ns := clusterNamespace(t, cs, "watch")
	waitNamespaceGone(t, cs, watchingEngineNamespace)
	t.Cleanup(func() { waitNamespaceGone(t, cs, watchingEngineNamespace) })
	createConfigMap(t, cs, watchingEngineNamespace, "coordination-engine-autoremediation", map[string]string{"policy.yaml": fmt.Sprintf(`
rules:
- namespaces: [%q]
  mode: automatic
- signals: ["node_*"]
  mode: automatic
- mode: incident   # everything else the shared cluster shows: an incident only
`, ns)})
	e := startHealingEngineIn(t, c, watchingEngineNamespace, "WATCH_ENABLED=true", "WATCH_DEBOUNCE=2s", "WATCH_RESIGNAL=30s")
	// Node actions need no approval in this run; by default they do.
	setConfigMap(t, cs, watchingEngineNamespace, "coordination-engine-safety", map[string]string{
		"clusterBudget": "100", "namespaceBudget": "10", "approvalRequired": ""})

	t.Run("a crash loop that came with a rollout is rolled back", func(t *testing.T) {
		t.Parallel()
		create(t, cs, kwokDeployment(ns, "payments", 2, "payments:1", "128Mi"))
		waitRolledOut(t, cs, ns, "payments")
		patchTemplate(t, cs, ns, "payments", fmt.Sprintf(`{"metadata":{"labels":{%q:"crashloop"},"annotations":{%q:"1s"}},"spec":{"containers":[{"name":"app","image":"payments:2"}]}}`,
			localcluster.FaultLabel, localcluster.RestartIntervalAnnotation))
		wf := waitWatcherHealed(t, e, "Deployment/"+ns+"/payments", "pod_crash")
		checkRecovered(t, e, wf, "manual", "direct", "rollback")
		checkRevision1(t, waitRolledOut(t, cs, ns, "payments"), "payments:1")
	})
	t.Run("an OOMKilled container gets a higher memory limit", func(t *testing.T) {
		t.Parallel()
		create(t, cs, withOOMKill(kwokDeployment(ns, "cache", 2, "redis:7.4", "64Mi"), "96Mi"))
		wf := waitWatcherHealed(t, e, "Deployment/"+ns+"/cache", "oom_kill")
		checkRecovered(t, e, wf, "manual", "direct", "set_memory_limit")
		if got := waitRolledOut(t, cs, ns, "cache").Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "96Mi" {
			t.Errorf("memory limit = %s, want 96Mi", got)
		}
	})
	t.Run("an image that cannot be pulled is rolled back", func(t *testing.T) {
		t.Parallel()
		create(t, cs, kwokDeployment(ns, "web", 2, "web:1.0", "128Mi"))
		waitRolledOut(t, cs, ns, "web")
		patchTemplate(t, cs, ns, "web", `{"spec":{"containers":[{"name":"app","image":"web:bad"}]}}`)
		wf := waitWatcherHealed(t, e, "Deployment/"+ns+"/web", "image_pull")
		checkRecovered(t, e, wf, "manual", "direct", "rollback")
		checkRevision1(t, waitRolledOut(t, cs, ns, "web"), "web:1.0")
	})
	t.Run("a NotReady node is cordoned and drained, then uncordoned once it recovers", func(t *testing.T) {
		t.Parallel()
		testNotReadyNode(t, e, cs)
	})
}

// testNotReadyNode adds a kwok node running two pods of a Deployment pinned to it, makes the
// node NotReady and checks the engine drains it; once the "kubelet" is back the engine verifies
// the node and uncordons it, and the pods come back.
func testNotReadyNode(t *testing.T, e *engine, cs kubernetes.Interface) {
	ctx := t.Context()
	// The drain holds back resource changes in the namespaces it reaches, so its pods get a
	// namespace of their own, and the node a taint so that only they run on it: the parallel
	// subtests' OOM fix would otherwise lose to the drain, as it should.
	ns := clusterNamespace(t, cs, "drain")
	node := "watch-" + ns
	taint := corev1.Taint{Key: "selfhealing.dev/e2e-drain", Value: ns, Effect: corev1.TaintEffectNoSchedule}
	fake := localcluster.FakeNode(node, "")
	fake.Spec.Taints = append(fake.Spec.Taints, taint)
	if _, err := cs.CoreV1().Nodes().Create(ctx, fake, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(t.Context(), node, metav1.DeleteOptions{}) })
	d := kwokDeployment(ns, "placed", 2, "placed:1", "128Mi")
	d.Spec.Template.Spec.NodeSelector["kubernetes.io/hostname"] = node
	d.Spec.Template.Spec.Tolerations = append(d.Spec.Template.Spec.Tolerations,
		corev1.Toleration{Key: taint.Key, Operator: corev1.TolerationOpEqual, Value: ns, Effect: corev1.TaintEffectNoSchedule})
	create(t, cs, d)
	waitRolledOut(t, cs, ns, "placed")

	labelNode(t, cs, node, `"notready"`)
	waitUntil(t, 90*time.Second, "node "+node+" cordoned by the engine and drained", func() error {
		n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
		if err != nil {
			return err
		}
		if !n.Spec.Unschedulable || len(pods.Items) > 0 {
			return fmt.Errorf("unschedulable %t, %d pods left: %s", n.Spec.Unschedulable, len(pods.Items), describePods(pods.Items))
		}
		return nil
	})
	labelNode(t, cs, node, "null") // the kubelet is back: kwok reports the node Ready again
	wf := waitWatcherHealed(t, e, "Node/"+node, "node_not_ready")
	if wf.Status != "completed" || wf.Reason != "Recovered" || wf.Strategy != "node" {
		t.Fatalf("workflow %s = %s (%s: %s) by strategy %q, want completed (Recovered) by node", wf.ID, wf.Status, wf.Reason, wf.Message, wf.Strategy)
	}
	// The cordon held the node while it recovered; the engine took it back (Undone) after.
	if len(wf.Steps) != 1 || wf.Steps[0].Action != "drain" || !wf.Steps[0].Undone || len(wf.Checkpoints) != 1 || wf.Checkpoints[0].Status != "passed" {
		t.Errorf("workflow steps %+v checkpoints %+v, want one drain step taken back after a passed checkpoint", wf.Steps, wf.Checkpoints)
	}
	n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Spec.Unschedulable || n.Annotations["selfhealing.dev/cordoned-by"] != "" {
		t.Errorf("node %s unschedulable %t, annotations %v: want it uncordoned by the engine", node, n.Spec.Unschedulable, n.Annotations)
	}
	waitRolledOut(t, cs, ns, "placed") // the evicted pods are back on their node
}

func labelNode(t *testing.T, cs kubernetes.Interface, node, value string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%s}}}`, localcluster.FaultLabel, value)
	if _, err := cs.CoreV1().Nodes().Patch(t.Context(), node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitWatcherHealed waits for the incident the watchers opened for target and issue, then for
// its workflow to finish, and returns the workflow.
func waitWatcherHealed(t *testing.T, e *engine, target, issueType string) workflow {
	t.Helper()
	var inc incidentEntry
	waitUntil(t, 90*time.Second, "the watchers open an incident with a workflow for "+issueType+" on "+target, func() error {
		var list struct {
			Incidents []incidentEntry `json:"incidents"`
		}
		code, err := get(t.Context(), e.apiURL+"/api/v1/incidents?status=all&severity=all&limit=1000&offset=0", &list)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("GET incidents: %d %v", code, err)
		}
		var seen []string
		for _, i := range list.Incidents {
			if i.Target == target && i.ActionType == issueType {
				inc = i
				if i.WorkflowID != "" {
					return nil
				}
			}
			seen = append(seen, i.Target+":"+i.ActionType)
		}
		return fmt.Errorf("incidents: %s", strings.Join(seen, ", "))
	})
	if inc.Source != "watcher" {
		t.Errorf("incident %s source = %q, want watcher", inc.ID, inc.Source)
	}
	wf, took := waitFinished(t, e, inc.WorkflowID)
	t.Logf("timing: %s on %s: workflow %s %s after the incident was seen (%v)", issueType, target, wf.ID, wf.Status, took.Round(100*time.Millisecond))
	return wf
}

// incidentEntry is one entry of GET /api/v1/incidents, the fields the tests read.
type incidentEntry struct {
	ID         string `json:"id"`
	Source     string `json:"source"`
	WorkflowID string `json:"workflow_id"`
	Target     string `json:"target"`
	ActionType string `json:"action_type"`
}

func createConfigMap(t *testing.T, cs kubernetes.Interface, ns, name string, data map[string]string) {
	t.Helper()
	if _, err := cs.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{}); err != nil {
		if _, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func setConfigMap(t *testing.T, cs kubernetes.Interface, ns, name string, data map[string]string) {
	t.Helper()
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data = data
	if _, err := cs.CoreV1().ConfigMaps(ns).Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
