package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
	"selfhealing.dev/coordination-engine/test/chart"
)

// TestChartInstallsOnTheLocalCluster installs the chart with the Helm SDK, with the platform's
// ADR-038 values block and two replicas, into a namespace that enforces the restricted Pod
// Security Standard; kwok runs the pods. The Deployment in the cluster is what contract §7 says,
// its pods become Running and Ready, and uninstalling removes what the release made, the
// cluster-wide RBAC included.
func TestChartInstallsOnTheLocalCluster(t *testing.T) {
	c := localCluster(t)
	cs := kubernetes.NewForConfigOrDie(c.RESTConfig())
	ns := clusterNamespace(t, cs, "chart")
	restricted := `{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"restricted"}}}`
	if _, err := cs.CoreV1().Namespaces().Patch(t.Context(), ns, types.MergePatchType, []byte(restricted), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	loose := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "loose"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/app:1"}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(t.Context(), loose, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("a pod without a restricted security context = %v, want Forbidden (Pod Security admission enforces)", err)
	}

	ch, err := chart.Load()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"image":     map[string]any{"repository": "example/coordination-engine", "tag": "1.2.3", "pullPolicy": "Always"},
		"replicas":  2,
		"logLevel":  "info",
		"mlService": map[string]any{"enabled": true, "url": "http://aiops-ml-service:8080"},
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "200m", "memory": "256Mi"},
			"limits":   map[string]any{"cpu": "500m", "memory": "512Mi"},
		},
		// Only the kwok nodes run pods in the local cluster.
		"nodeSelector": map[string]any{localcluster.NodeLabel: localcluster.NodeLabelValue},
		"tolerations":  []any{map[string]any{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}},
	}
	cfg := chartHelmConfig(t, c, ns)
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace = "coordination-engine", ns
	in.WaitStrategy, in.Timeout = kube.StatusWatcherStrategy, time.Minute
	began := time.Now()
	t.Cleanup(func() { uninstallChart(t, cfg, cs, ns, false) })
	if _, err := in.RunWithContext(t.Context(), ch, values); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	t.Logf("timing: helm install with wait: %v", time.Since(began).Round(100*time.Millisecond))

	// Running and Ready as kwok reports them, all replicas of the Deployment's current revision.
	var d *appsv1.Deployment
	waitUntil(t, 30*time.Second, "the chart's Deployment with 2 Running, Ready pods", func() error {
		var err error
		if d, err = cs.AppsV1().Deployments(ns).Get(t.Context(), chart.Name, metav1.GetOptions{}); err != nil {
			return err
		}
		if s := d.Status; s.ObservedGeneration < d.Generation || s.UpdatedReplicas != 2 || s.ReadyReplicas != 2 || s.AvailableReplicas != 2 {
			return fmt.Errorf("status %+v", s)
		}
		pods, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: chart.ComponentLabel + "=" + chart.Name})
		if err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && podReady(&p) {
				running++
			}
		}
		if running != 2 {
			return fmt.Errorf("%d of %d pods Running and Ready:%s", running, len(pods.Items), describePods(pods.Items))
		}
		return nil
	})
	want := chart.ContractWant(ns)
	want.Replicas, want.Image, want.PullPolicy, want.MLServiceURL = 2, "example/coordination-engine:1.2.3", corev1.PullAlways, "http://aiops-ml-service:8080"
	for _, p := range chart.CheckDeployment(d, want) {
		t.Errorf("Deployment in the cluster: %s", p)
	}
	svc, err := cs.CoreV1().Services(ns).Get(t.Context(), chart.Name, metav1.GetOptions{})
	if err != nil || len(svc.Spec.Ports) != 2 {
		t.Errorf("Service %s: %v, %+v", chart.Name, err, svc)
	}
	if _, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(t.Context(), chart.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("PodDisruptionBudget with two replicas: %v", err)
	}

	uninstallChart(t, cfg, cs, ns, true)
}

// chartHelmConfig is a Helm action configuration for releases in ns of the local cluster.
func chartHelmConfig(t *testing.T, c *localcluster.Cluster, ns string) *action.Configuration {
	t.Helper()
	kubeconfig, cacheDir := c.Kubeconfig(), t.TempDir()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace, flags.CacheDir = &kubeconfig, &ns, &cacheDir
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	if err := cfg.Init(flags, ns, "secret"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// uninstallChart uninstalls the release and, when check is set, fails unless its namespaced and
// cluster-wide objects are gone. Uninstalling what is gone already is no error.
func uninstallChart(t *testing.T, cfg *action.Configuration, cs kubernetes.Interface, ns string, check bool) {
	t.Helper()
	un := action.NewUninstall(cfg)
	un.WaitStrategy, un.Timeout, un.IgnoreNotFound = kube.StatusWatcherStrategy, 30*time.Second, true
	if _, err := un.Run("coordination-engine"); err != nil {
		t.Errorf("helm uninstall: %v", err)
		return
	}
	if !check {
		return
	}
	ctx := context.Background()
	gone := map[string]error{}
	_, gone["Deployment"] = cs.AppsV1().Deployments(ns).Get(ctx, chart.Name, metav1.GetOptions{})
	_, gone["Service"] = cs.CoreV1().Services(ns).Get(ctx, chart.Name, metav1.GetOptions{})
	_, gone["ServiceAccount"] = cs.CoreV1().ServiceAccounts(ns).Get(ctx, chart.Name, metav1.GetOptions{})
	_, gone["ClusterRole"] = cs.RbacV1().ClusterRoles().Get(ctx, chart.Name+"-"+ns, metav1.GetOptions{})
	_, gone["ClusterRoleBinding"] = cs.RbacV1().ClusterRoleBindings().Get(ctx, chart.Name+"-"+ns, metav1.GetOptions{})
	for kind, err := range gone {
		if !apierrors.IsNotFound(err) {
			t.Errorf("%s after helm uninstall: %v, want NotFound", kind, fmt.Sprint(err))
		}
	}
}
