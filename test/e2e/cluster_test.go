package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"selfhealing.dev/coordination-engine/internal/testenv"
	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

// The local cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok) is
// started once for the package, by the first test that asks for it, and stopped by TestMain
// through stopLocalCluster after every test has run.
var shared struct {
	once    sync.Once
	cluster *localcluster.Cluster
	err     error
	skip    string
	log     testenv.SyncBuffer
}

// localCluster returns the package's local cluster, starting it on first use with two kwok nodes
// and the engine's CRDs plus the test CRD Cache installed. Without the binaries the test is
// skipped, or fails when LOCALCLUSTER_REQUIRED=1.
func localCluster(t *testing.T) *localcluster.Cluster {
	t.Helper()
	shared.once.Do(func() {
		opts := localcluster.Options{BinDir: localcluster.DefaultBinDir(testenv.RepoRoot()), Nodes: 2, Log: &shared.log}
		if err := localcluster.CheckBinaries(opts); err != nil {
			shared.skip = err.Error()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		shared.cluster, shared.err = localcluster.Start(ctx, opts)
		if shared.err != nil {
			return
		}
		root := testenv.RepoRoot()
		_, shared.err = envtest.InstallCRDs(shared.cluster.RESTConfig(), envtest.CRDInstallOptions{
			Paths: []string{
				filepath.Join(root, "config", "crd", "bases"),
				filepath.Join(root, "internal", "testenv", "crds", "cache.example.selfhealing.dev.yaml"),
			},
			ErrorIfPathMissing: true,
		})
	})
	if shared.skip != "" {
		if os.Getenv("LOCALCLUSTER_REQUIRED") == "1" {
			t.Fatalf("%s\n(LOCALCLUSTER_REQUIRED=1 makes this a failure instead of a skip)", shared.skip)
		}
		t.Skipf("skipping: %s (LOCALCLUSTER_REQUIRED=1 turns this skip into a failure)", shared.skip)
	}
	if shared.err != nil {
		t.Fatalf("local cluster: %v\n%s", shared.err, shared.log.String())
	}
	return shared.cluster
}

// stopLocalCluster stops the local cluster if a test started it.
func stopLocalCluster() {
	if shared.cluster == nil {
		return
	}
	if err := shared.cluster.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop the local cluster:", err)
	}
}

// clusterNamespace creates a namespace for one test case and waits for its default
// ServiceAccount (pods are refused until it exists). The namespace is deleted afterwards.
func clusterNamespace(t *testing.T, cs kubernetes.Interface, prefix string) string {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	waitUntil(t, 30*time.Second, "the default ServiceAccount in "+ns.Name, func() error {
		_, err := cs.CoreV1().ServiceAccounts(ns.Name).Get(t.Context(), "default", metav1.GetOptions{})
		return err
	})
	return ns.Name
}

// kwokDeployment is a Deployment whose pods land on the kwok nodes: one container "app" with the
// image and a memory limit, selected by app=<name>.
func kwokDeployment(ns, name string, replicas int32, image, memoryLimit string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{localcluster.NodeLabel: localcluster.NodeLabelValue},
					Tolerations:  []corev1.Toleration{{Key: "kwok.x-k8s.io/node", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
					Containers: []corev1.Container{{
						Name: "app", Image: image,
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memoryLimit)},
						},
					}},
				},
			},
		},
	}
}

// withOOMKill makes the pods OOMKilled every second while their memory limit is below below.
func withOOMKill(d *appsv1.Deployment, below string) *appsv1.Deployment {
	d.Spec.Template.Labels[localcluster.FaultLabel] = "oomkill"
	d.Spec.Template.Annotations = map[string]string{
		localcluster.OOMBelowAnnotation:        below,
		localcluster.RestartIntervalAnnotation: "1s",
	}
	return d
}

// rolledOut checks what `kubectl rollout status` checks, plus every pod of the Deployment Ready:
// the Deployment as it is now is what runs, and it runs well.
func rolledOut(ctx context.Context, cs kubernetes.Interface, d *appsv1.Deployment) error {
	want := *d.Spec.Replicas
	s := d.Status
	if s.ObservedGeneration < d.Generation || s.UpdatedReplicas != want || s.ReadyReplicas != want ||
		s.AvailableReplicas != want || s.Replicas != want {
		return fmt.Errorf("generation %d, status %+v", d.Generation, s)
	}
	pods, err := cs.CoreV1().Pods(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + d.Spec.Selector.MatchLabels["app"]})
	if err != nil {
		return err
	}
	n := 0
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		n++
		if !podReady(&p) {
			return fmt.Errorf("pods not all Ready:%s", describePods(pods.Items))
		}
	}
	if n != int(want) {
		return fmt.Errorf("%d pods, want %d:%s", n, want, describePods(pods.Items))
	}
	return nil
}

// waitRolledOut waits until the Deployment is rolled out (see rolledOut) and returns it.
func waitRolledOut(t *testing.T, cs kubernetes.Interface, ns, name string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	waitUntil(t, 90*time.Second, "Deployment "+ns+"/"+name+" rolled out with Ready pods", func() error {
		var err error
		if d, err = cs.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{}); err != nil {
			return err
		}
		return rolledOut(t.Context(), cs, d)
	})
	return d
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func describePods(pods []corev1.Pod) string {
	var b strings.Builder
	for _, p := range pods {
		fmt.Fprintf(&b, "\n  %s image=%s fault=%q phase=%s ready=%v", p.Name, p.Spec.Containers[0].Image,
			p.Labels[localcluster.FaultLabel], p.Status.Phase, podReady(&p))
		for _, s := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, " restarts=%d", s.RestartCount)
		}
	}
	return b.String()
}

// waitUntil polls cond every 200 ms until it returns nil; after within it fails the test with
// cond's last error.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || t.Context().Err() != nil {
			t.Fatalf("%s: not within %v; last seen: %v", what, within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
