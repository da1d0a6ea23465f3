package workload

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

// TestOnALocalCluster runs rollback and restart against the real Deployment and ReplicaSet
// controllers, scheduler and kwok pods: a crash-looping rollout is rolled back to the healthy
// revision, and a restart replaces every pod. One cluster for the whole test.
func TestOnALocalCluster(t *testing.T) {
	root, err := localcluster.FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	opts := localcluster.Options{BinDir: localcluster.DefaultBinDir(root), Nodes: 1}
	if err := localcluster.CheckBinaries(opts); err != nil {
		if os.Getenv("LOCALCLUSTER_REQUIRED") == "1" {
			t.Fatalf("%v\n(LOCALCLUSTER_REQUIRED=1 makes this a failure instead of a skip)", err)
		}
		t.Skipf("skipping: %v (LOCALCLUSTER_REQUIRED=1 turns this skip into a failure)", err)
	}
	startCtx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	c, err := localcluster.Start(startCtx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop the local cluster: %v", err)
		}
	})
	f := newFixture(t, c.RESTConfig(), time.Now)
	waitFor(t, 30*time.Second, "the default ServiceAccount", func() (bool, string) {
		err := f.c.Get(t.Context(), client.ObjectKey{Namespace: f.ns, Name: "default"}, &corev1.ServiceAccount{})
		return err == nil, fmt.Sprint(err)
	})

	d := deployment(f.ns, "shop", "shop:1")
	d.UID = ""
	d.Spec.Replicas = new(int32(2))
	d.Spec.Template.Spec.NodeSelector = map[string]string{localcluster.NodeLabel: localcluster.NodeLabelValue}
	f.create(t, d)
	waitRolledOut(t, f, d, "shop:1")
	owner := resolution(managedby.Manual, "Deployment", f.ns, "shop")

	t.Run("rollback of a crash-looping rollout restores the healthy revision", func(t *testing.T) {
		// Revision 2 crash-loops; with maxUnavailable 0 the two revision-1 pods stay Ready.
		patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"labels":{%q:"crashloop"},"annotations":{%q:"1s"}},"spec":{"containers":[{"name":"app","image":"shop:2"}]}}}}`,
			localcluster.FaultLabel, localcluster.RestartIntervalAnnotation)
		if err := f.c.Patch(t.Context(), d, client.RawPatch(types.StrategicMergePatchType, []byte(patch))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 60*time.Second, "a crash-looping revision-2 pod", func() (bool, string) {
			pods := podsOf(t, f, "shop")
			for _, p := range pods {
				if p.Labels[localcluster.FaultLabel] == "crashloop" && len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].RestartCount >= 1 {
					return true, ""
				}
			}
			return false, describePods(pods)
		})
		facts, err := f.s.Rollout(t.Context(), owner.Workload)
		if err != nil {
			t.Fatal(err)
		}
		if facts.Current.Number != 2 || facts.Previous == nil || facts.Previous.Number != 1 || !facts.PreviousHealthy ||
			facts.Target == nil || facts.Target.Number != 1 {
			t.Fatalf("Rollout() = %+v (previous %+v, target %+v), want current 2, previous 1 healthy, target 1", facts, facts.Previous, facts.Target)
		}
		ch := f.apply(t, act(action.Rollback, f.ns, "shop"), owner)
		t.Logf("applied: %s\n%s", ch.Summary, ch.Diff)
		waitRolledOut(t, f, d, "shop:1")
	})

	t.Run("restart replaces every pod", func(t *testing.T) {
		before := map[string]bool{}
		for _, p := range podsOf(t, f, "shop") {
			before[p.Name] = true
		}
		ch := f.apply(t, act(action.Restart, f.ns, "shop"), owner)
		t.Logf("applied: %s", ch.Summary)
		waitRolledOut(t, f, d, "shop:1")
		waitFor(t, 60*time.Second, "only new pods", func() (bool, string) {
			pods := podsOf(t, f, "shop")
			for _, p := range pods {
				if before[p.Name] || p.Annotations[RestartedAtAnnotation] == "" {
					return false, describePods(pods)
				}
			}
			return len(pods) == 2, describePods(pods)
		})
	})
}

// waitRolledOut waits until d's every replica runs image, updated and Ready, with no fault.
func waitRolledOut(t *testing.T, f *fixture, d *appsv1.Deployment, image string) {
	t.Helper()
	waitFor(t, 60*time.Second, "Deployment "+d.Name+" rolled out with "+image, func() (bool, string) {
		f.get(t, d)
		s := d.Status
		want := *d.Spec.Replicas
		if d.Spec.Template.Spec.Containers[0].Image != image || s.ObservedGeneration != d.Generation ||
			s.UpdatedReplicas != want || s.ReadyReplicas != want || s.AvailableReplicas != want || s.Replicas != want {
			return false, fmt.Sprintf("status %+v", s)
		}
		pods := podsOf(t, f, d.Name)
		for _, p := range pods {
			if p.Spec.Containers[0].Image != image || !podReady(&p) || p.Labels[localcluster.FaultLabel] != "" {
				return false, describePods(pods)
			}
		}
		return len(pods) == int(want), describePods(pods)
	})
}

func podsOf(t *testing.T, f *fixture, app string) []corev1.Pod {
	t.Helper()
	var list corev1.PodList
	if err := f.c.List(t.Context(), &list, client.InNamespace(f.ns), client.MatchingLabels{"app": app}); err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func describePods(pods []corev1.Pod) string {
	var b strings.Builder
	for _, p := range pods {
		fmt.Fprintf(&b, "\n  %s image=%s phase=%s ready=%v", p.Name, p.Spec.Containers[0].Image, p.Status.Phase, podReady(&p))
		for _, s := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, " restarts=%d", s.RestartCount)
		}
	}
	return b.String()
}

// waitFor polls cond every 200 ms and fails the test with cond's last detail after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) || t.Context().Err() != nil {
			t.Fatalf("timed out after %s waiting for %s; last seen: %s", timeout, what, detail)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
