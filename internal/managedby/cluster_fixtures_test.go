package managedby_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"selfhealing.dev/coordination-engine/internal/managedby"
)

// Builders of real objects for the resolver's tests. There is no controller-manager in envtest:
// the tests create every level of an owner chain themselves, with controller references.

// cluster is one test's view of the API server: a writing client, a started metadata cache for
// the Resolver, and a namespace of its own.
type cluster struct {
	c         client.Client
	cache     cache.Cache
	mapper    meta.RESTMapper
	namespace string
}

func newCluster(t testing.TB) *cluster {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = 200, 400
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{HTTPClient: httpClient, Mapper: mapper})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := cache.New(cfg, cache.Options{HTTPClient: httpClient, Mapper: mapper,
		DefaultTransform: cache.TransformStripManagedFields()})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ca.Start(t.Context()) }()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "managedby-"}}
	if err := c.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	return &cluster{c: c, cache: ca, mapper: mapper, namespace: ns.Name}
}

// resolver is a Resolver over the test's cache (for objects and release Secrets alike).
func (cl *cluster) resolver(opts managedby.Options) *managedby.Resolver {
	return managedby.NewResolver(cl.cache, cl.cache, cl.mapper, opts, logr.Discard())
}

// create creates objects in order and waits until the cache holds each, so that a Resolve
// right after sees them.
func (cl *cluster) create(t testing.TB, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := cl.c.Create(t.Context(), o); err != nil {
			t.Fatalf("create %T %s: %v", o, o.GetName(), err)
		}
		cl.waitCached(t, o, true)
	}
}

// waitCached waits up to 5 s until the cache has (or no longer has) obj.
func (cl *cluster) waitCached(t testing.TB, obj client.Object, present bool) {
	t.Helper()
	gvk, err := apiutil.GVKForObject(obj, cl.c.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(gvk)
		err := cl.cache.Get(t.Context(), client.ObjectKeyFromObject(obj), m)
		if (err == nil) == present {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cache did not see %s %s (present=%v): %v", gvk.Kind, obj.GetName(), present, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type meta1 = metav1.ObjectMeta

type objOption func(client.Object)

func withLabels(kv ...string) objOption {
	return func(o client.Object) {
		l := o.GetLabels()
		if l == nil {
			l = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		o.SetLabels(l)
	}
}

func withAnnotations(kv ...string) objOption {
	return func(o client.Object) {
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			a[kv[i]] = kv[i+1]
		}
		o.SetAnnotations(a)
	}
}

// controlledBy sets a controller reference to owner, which must have been created (it needs a uid).
func controlledBy(owner client.Object, gvk schema.GroupVersionKind) objOption {
	return func(o client.Object) {
		o.SetOwnerReferences(append(o.GetOwnerReferences(), *metav1.NewControllerRef(owner, gvk)))
	}
}

// helmInstalled is what Helm 3.2+ writes on the objects of a release.
func helmInstalled(release, namespace string) objOption {
	return func(o client.Object) {
		withLabels(managedby.LabelManagedBy, "Helm", managedby.LabelAppInstance, release)(o)
		withAnnotations(managedby.AnnotationHelmReleaseName, release, managedby.AnnotationHelmReleaseNamespace, namespace)(o)
	}
}

func apply(o client.Object, opts []objOption) {
	for _, opt := range opts {
		opt(o)
	}
}

var (
	deploymentGVK  = appsv1.SchemeGroupVersion.WithKind("Deployment")
	replicaSetGVK  = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
	statefulSetGVK = appsv1.SchemeGroupVersion.WithKind("StatefulSet")
	daemonSetGVK   = appsv1.SchemeGroupVersion.WithKind("DaemonSet")
	jobGVK         = batchv1.SchemeGroupVersion.WithKind("Job")
	cronJobGVK     = batchv1.SchemeGroupVersion.WithKind("CronJob")
	widgetGVK      = schema.GroupVersionKind{Group: "example.selfhealing.dev", Version: "v1", Kind: "Widget"}
	gadgetGVK      = schema.GroupVersionKind{Group: "example.selfhealing.dev", Version: "v1", Kind: "Gadget"}
	applicationGVK = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"}
)

func podTemplate(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
	}
}

func selector(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

func (cl *cluster) deployment(name string, opts ...objOption) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: meta1{Namespace: cl.namespace, Name: name},
		Spec: appsv1.DeploymentSpec{Selector: selector(name), Template: podTemplate(name)}}
	apply(d, opts)
	return d
}

func (cl *cluster) replicaSet(name string, opts ...objOption) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{ObjectMeta: meta1{Namespace: cl.namespace, Name: name},
		Spec: appsv1.ReplicaSetSpec{Selector: selector(name), Template: podTemplate(name)}}
	apply(rs, opts)
	return rs
}

func (cl *cluster) statefulSet(name string, opts ...objOption) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{ObjectMeta: meta1{Namespace: cl.namespace, Name: name},
		Spec: appsv1.StatefulSetSpec{Selector: selector(name), Template: podTemplate(name)}}
	apply(s, opts)
	return s
}

func (cl *cluster) daemonSet(name string, opts ...objOption) *appsv1.DaemonSet {
	d := &appsv1.DaemonSet{ObjectMeta: meta1{Namespace: cl.namespace, Name: name},
		Spec: appsv1.DaemonSetSpec{Selector: selector(name), Template: podTemplate(name)}}
	apply(d, opts)
	return d
}

func (cl *cluster) cronJob(name string, opts ...objOption) *batchv1.CronJob {
	tmpl := podTemplate(name)
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	c := &batchv1.CronJob{ObjectMeta: meta1{Namespace: cl.namespace, Name: name},
		Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}}
	apply(c, opts)
	return c
}

func (cl *cluster) job(name string, opts ...objOption) *batchv1.Job {
	tmpl := podTemplate(name)
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	manualSelector := true
	j := &batchv1.Job{ObjectMeta: meta1{Namespace: cl.namespace, Name: name},
		Spec: batchv1.JobSpec{Template: tmpl, ManualSelector: &manualSelector, Selector: selector(name)}}
	apply(j, opts)
	return j
}

func (cl *cluster) pod(name string, opts ...objOption) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: meta1{Namespace: cl.namespace, Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}}}
	apply(p, opts)
	return p
}

// custom is a custom resource of gvk, such as a Widget.
func (cl *cluster) custom(gvk schema.GroupVersionKind, namespace, name string, opts ...objOption) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(namespace)
	u.SetName(name)
	apply(u, opts)
	return u
}

// releaseSecret is revision rev of Helm release name in the test's namespace, as the Helm SDK
// stores it (the payload is opaque to the resolver).
func (cl *cluster) releaseSecret(release string, rev int, status string, opts ...objOption) *corev1.Secret {
	s := &corev1.Secret{
		ObjectMeta: meta1{Namespace: cl.namespace, Name: managedby.ReleaseSecretName(release, rev), Labels: map[string]string{
			managedby.ReleaseSecretLabelOwner: "helm", managedby.ReleaseSecretLabelName: release,
			managedby.ReleaseSecretLabelStatus: status, managedby.ReleaseSecretLabelVersion: strconv.Itoa(rev),
		}},
		Type: managedby.ReleaseSecretType,
		Data: map[string][]byte{"release": []byte("H4sIAAAAAAAA/wEAAP//AAAAAAAAAAA=")},
	}
	apply(s, opts)
	return s
}

// update applies opts to obj's latest state, updates it and waits up to 5 s until the cache has
// that version.
func (cl *cluster) update(t testing.TB, obj client.Object, opts ...objOption) {
	t.Helper()
	if err := cl.c.Get(t.Context(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
	apply(obj, opts)
	if err := cl.c.Update(t.Context(), obj); err != nil {
		t.Fatalf("update %s: %v", obj.GetName(), err)
	}
	gvk, err := apiutil.GVKForObject(obj, cl.c.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(gvk)
		if err := cl.cache.Get(t.Context(), client.ObjectKeyFromObject(obj), m); err == nil && m.ResourceVersion == obj.GetResourceVersion() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cache did not see the update of %s", obj.GetName())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
