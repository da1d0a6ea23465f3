package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

// The test operator: Caches (example.selfhealing.dev/v1, internal/testenv/crds) reconciled into
// Deployments they own.
var caches = schema.GroupVersionResource{Group: "example.selfhealing.dev", Version: "v1", Resource: "caches"}

const (
	// cacheFieldMappings tells the engine which Cache fields its operator strategy changes.
	cacheFieldMappings = "Cache.example.selfhealing.dev:set_memory_limit=/spec/memory,scale=/spec/replicas"
	// operatorManager is the test operator's field manager.
	operatorManager = "e2e-cache-operator"
	// testManager is the field manager of the test's own writes.
	testManager = "e2e-test"
	// engineManager is the field manager the API server derives from the engine's user agent
	// (coordination-engine/<version>).
	engineManager = "coordination-engine"
	// controllerManager is kube-controller-manager's field manager (revision annotation, status).
	controllerManager = "kube-controller-manager"
)

// cacheReconciler is a tiny real operator: it makes each Cache's Deployment, with the Cache as
// its controller owner, the Cache's spec.memory as the container's memory limit and spec.replicas
// as its replicas. The pods are scripted by kwok to be OOMKilled below 96Mi.
type cacheReconciler struct {
	c client.Client
}

func (r *cacheReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cr := &unstructured.Unstructured{}
	cr.SetGroupVersionKind(caches.GroupVersion().WithKind("Cache"))
	if err := r.c.Get(ctx, req.NamespacedName, cr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	memory, _, _ := unstructured.NestedString(cr.Object, "spec", "memory")
	limit, err := resource.ParseQuantity(memory)
	if err != nil {
		return ctrl.Result{}, nil // an invalid spec: nothing to do until it changes
	}
	replicas, _, _ := unstructured.NestedInt64(cr.Object, "spec", "replicas")
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: cr.GetNamespace(), Name: cr.GetName()}}
	_, err = controllerutil.CreateOrUpdate(ctx, r.c, d, func() error {
		if d.CreationTimestamp.IsZero() {
			d.Spec = withOOMKill(kwokDeployment(d.Namespace, d.Name, 0, "redis:7.4", memory), "96Mi").Spec
			d.Labels = map[string]string{"app": d.Name}
		}
		d.Spec.Replicas = ptr.To(int32(replicas))
		d.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory] = limit
		return controllerutil.SetControllerReference(cr, d, r.c.Scheme())
	})
	return ctrl.Result{}, err
}

// startCacheOperator runs the test operator in this process until the test ends.
func startCacheOperator(t *testing.T, cfg *rest.Config) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Logger: logr.Discard(),
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatal(err)
	}
	cache := &unstructured.Unstructured{}
	cache.SetGroupVersionKind(caches.GroupVersion().WithKind("Cache"))
	if err := ctrl.NewControllerManagedBy(mgr).For(cache).Owns(&appsv1.Deployment{}).Named("e2ecache").
		WithOptions(controller.Options{SkipNameValidation: ptr.To(true)}).
		Complete(&cacheReconciler{c: client.WithFieldOwner(mgr.GetClient(), operatorManager)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("test operator: %v", err)
		}
	})
}

// testOperatorTargets checks the operator strategy: the engine changes the Cache, never the
// Deployment, and the operator carries the change into the Deployment.
func testOperatorTargets(t *testing.T, e *engine, c *localcluster.Cluster) {
	cs := kubernetes.NewForConfigOrDie(c.RESTConfig())
	dyn := dynamic.NewForConfigOrDie(c.RESTConfig())
	tests := []struct {
		name     string
		issue    string
		action   string
		spec     map[string]any
		failing  bool
		field    string
		want     any
		checkDep func(t *testing.T, d *appsv1.Deployment)
	}{
		{
			name: "an OOMKilled Deployment of a Cache gets the Cache's memory raised", issue: "oom_kill", action: "set_memory_limit",
			spec: map[string]any{"memory": "64Mi", "replicas": int64(2)}, failing: true, field: "memory", want: "96Mi",
			checkDep: func(t *testing.T, d *appsv1.Deployment) {
				if got := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "96Mi" {
					t.Errorf("Deployment memory limit = %s, want 96Mi (from the Cache)", got)
				}
			},
		},
		{
			name: "high CPU on a Cache's Deployment raises the Cache's replicas", issue: "high_cpu", action: "scale",
			spec: map[string]any{"memory": "128Mi", "replicas": int64(2)}, field: "replicas", want: int64(3),
			checkDep: func(t *testing.T, d *appsv1.Deployment) {
				if *d.Spec.Replicas != 3 {
					t.Errorf("Deployment replicas = %d, want 3 (from the Cache)", *d.Spec.Replicas)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := clusterNamespace(t, cs, "operator")
			cr := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "example.selfhealing.dev/v1", "kind": "Cache",
				"metadata": map[string]any{"name": "cache", "namespace": ns},
				"spec":     tt.spec,
			}}
			if _, err := dyn.Resource(caches).Namespace(ns).Create(t.Context(), cr, metav1.CreateOptions{FieldManager: testManager}); err != nil {
				t.Fatal(err)
			}
			if tt.failing {
				waitPodsFailing(t, cs, ns, "cache", "OOMKilled")
			} else {
				waitRolledOut(t, cs, ns, "cache")
			}

			tr := trigger(t, e, ns, "cache", tt.issue)
			if tr.Refusal != nil {
				t.Fatalf("trigger refused at once: %+v", *tr.Refusal)
			}
			wf, took := waitFinished(t, e, tr.WorkflowID)
			t.Logf("timing: %s on an operator-managed Deployment: trigger to %s in %v", tt.issue, wf.Status, took.Round(100*time.Millisecond))
			checkRecovered(t, e, wf, "operator", "operator", tt.action)
			checkAnswerMatchesStep(t, tr, wf)
			if ch := wf.Steps[0].Change; ch == nil || ch.Object.Kind != "Cache" || ch.Object.Name != "cache" {
				t.Errorf("the step's change is on %+v, want the Cache", ch)
			}

			got, err := dyn.Resource(caches).Namespace(ns).Get(t.Context(), "cache", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v, _, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", tt.field); v != tt.want {
				t.Errorf("Cache spec.%s = %v (%T), want %v", tt.field, v, v, tt.want)
			}
			d := waitRolledOut(t, cs, ns, "cache")
			tt.checkDep(t, d)
			checkWriters(t, got.GetManagedFields(), d.GetManagedFields())
		})
	}
}

// checkWriters asserts from managedFields that the engine changed the Cache and not the
// Deployment. The API server records every create, update and patch under its field manager
// (here derived from the engine's user agent, since the engine names none), so an engine write
// to the Deployment would show up as an entry of the engine's manager. The Cache's entries show
// that the engine's writes are recorded under that name at all; on the Deployment only the
// operator (spec) and kube-controller-manager (revision annotation, status) may appear.
func checkWriters(t *testing.T, cacheFields, deploymentFields []metav1.ManagedFieldsEntry) {
	t.Helper()
	managers := func(entries []metav1.ManagedFieldsEntry) []string {
		var out []string
		for _, m := range entries {
			out = append(out, fmt.Sprintf("%s(%s%s)", m.Manager, m.Operation, strings.TrimSuffix("/"+m.Subresource, "/")))
		}
		return out
	}
	t.Logf("Cache managers: %v; Deployment managers: %v", managers(cacheFields), managers(deploymentFields))
	engineWroteCache := slices.ContainsFunc(cacheFields, func(m metav1.ManagedFieldsEntry) bool {
		return m.Manager == engineManager && m.Subresource == ""
	})
	if !engineWroteCache {
		t.Errorf("the Cache has no managedFields entry of %q: the engine's writes cannot be told apart this way", engineManager)
	}
	operatorWroteSpec := false
	for _, m := range deploymentFields {
		switch {
		case m.Manager == operatorManager && m.Subresource == "":
			operatorWroteSpec = true
		case m.Manager == controllerManager:
		default:
			t.Errorf("the Deployment was written by %s (%s %s): only the operator and kube-controller-manager may", m.Manager, m.Operation, m.Subresource)
		}
	}
	if !operatorWroteSpec {
		t.Errorf("the Deployment has no entry of the operator %q", operatorManager)
	}
}
