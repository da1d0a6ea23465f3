package watcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/detection"
	"selfhealing.dev/coordination-engine/internal/intake"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// Sink receives the problems (the intake).
type Sink interface {
	Open(ctx context.Context, s intake.Signal) (intake.Outcome, error)
	Close(ctx context.Context, externalID, key, why string) (intake.Outcome, error)
}

// Options tune the watchers.
type Options struct {
	// Debounce is how long a problem must last before it is reported, and how long it must be
	// gone before its incident is closed.
	Debounce time.Duration
	// Resignal is how often a problem that lasts is reported again (a finished incident is
	// reopened; an open one is left as it is).
	Resignal time.Duration
	// Detection tunes the rules.
	Detection detection.Options
	// Workers report problems in parallel.
	Workers int
}

// Resources the OpenShift watchers read.
var (
	clusterOperators   = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusteroperators"}
	machineConfigPools = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigpools"}
)

// Watcher runs the watchers. It is a manager.Runnable that runs only on the leader: only the
// leader acts, and one replica reporting is enough.
type Watcher struct {
	cs      kubernetes.Interface
	dyn     dynamic.Interface
	sink    Sink
	opts    Options
	metrics *telemetry.Metrics
	log     logr.Logger
	now     func() time.Time

	groups *groups
	queue  workqueue.TypedDelayingInterface[problem]
	synced sync.WaitGroup
}

// New returns a Watcher; it watches nothing until Start.
func New(cs kubernetes.Interface, dyn dynamic.Interface, sink Sink, opts Options, metrics *telemetry.Metrics, log logr.Logger) *Watcher {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	return &Watcher{cs: cs, dyn: dyn, sink: sink, opts: opts, metrics: metrics, log: log, now: time.Now, groups: newGroups()}
}

// NeedLeaderElection is true: only the leader reports problems.
func (w *Watcher) NeedLeaderElection() bool { return true }

// Start watches until ctx ends.
func (w *Watcher) Start(ctx context.Context) error {
	if w.queue != nil {
		return errors.New("the watcher was started twice")
	}
	w.queue = workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[problem]{Name: "watcher"})
	factory := informers.NewSharedInformerFactory(w.cs, 0)
	var regs []cache.InformerSynced
	add := func(inf cache.SharedIndexInformer, kind string, handle func(any)) error {
		if err := inf.SetTransform(trim); err != nil {
			return fmt.Errorf("trim %s: %w", kind, err)
		}
		r, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    handle,
			UpdateFunc: func(_, n any) { handle(n) },
			DeleteFunc: func(o any) { w.forgetObject(kind, o) },
		})
		if err != nil {
			return fmt.Errorf("watch %s: %w", kind, err)
		}
		regs = append(regs, r.HasSynced)
		return nil
	}
	if err := errors.Join(
		add(factory.Core().V1().Pods().Informer(), "Pod", w.pod),
		add(factory.Core().V1().Nodes().Informer(), "Node", w.node),
		add(factory.Apps().V1().Deployments().Informer(), "Deployment", w.deployment),
	); err != nil {
		return err
	}
	dynFactory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(w.dyn, 0, "", nil)
	watchOperators, watchPools := w.served(clusterOperators), w.served(machineConfigPools)
	if watchOperators {
		if err := add(dynFactory.ForResource(clusterOperators).Informer(), "ClusterOperator", w.openshift("ClusterOperator", detection.ClusterOperator)); err != nil {
			return err
		}
	}
	if watchPools {
		if err := add(dynFactory.ForResource(machineConfigPools).Informer(), "MachineConfigPool", w.openshift("MachineConfigPool", detection.MachineConfigPool)); err != nil {
			return err
		}
	}
	factory.Start(ctx.Done())
	dynFactory.Start(ctx.Done())
	var workers sync.WaitGroup
	for range w.opts.Workers {
		workers.Go(func() { w.work(ctx) })
	}
	if cache.WaitForCacheSync(ctx.Done(), regs...) {
		w.log.Info("Watching the cluster", "clusterOperators", watchOperators, "machineConfigPools", watchPools)
	}
	w.reportSizes(ctx, factory)
	// In this order: the workers end once the queue is shut down, the informers once ctx is.
	w.queue.ShutDown()
	workers.Wait()
	factory.Shutdown()
	dynFactory.Shutdown()
	return nil
}

// served says whether the API server serves the resource (OpenShift's kinds are absent on plain
// Kubernetes). A discovery error counts as not served, logged: the other watchers still run.
func (w *Watcher) served(gvr schema.GroupVersionResource) bool {
	list, err := w.cs.Discovery().ServerResourcesForGroupVersion(gvr.GroupVersion().String())
	if err != nil {
		if !apierrors.IsNotFound(err) {
			w.log.Info("Cannot tell whether a resource is served; not watching it", "resource", gvr.String(), "err", err.Error())
		}
		return false
	}
	for _, r := range list.APIResources {
		if r.Name == gvr.Resource {
			return true
		}
	}
	return false
}

// reportSizes updates the watched-objects gauge every 30 seconds until ctx ends.
func (w *Watcher) reportSizes(ctx context.Context, f informers.SharedInformerFactory) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		if w.metrics != nil {
			w.metrics.Watched.WithLabelValues("Pod").Set(float64(len(f.Core().V1().Pods().Informer().GetStore().ListKeys())))
			w.metrics.Watched.WithLabelValues("Node").Set(float64(len(f.Core().V1().Nodes().Informer().GetStore().ListKeys())))
			w.metrics.Watched.WithLabelValues("Deployment").Set(float64(len(f.Apps().V1().Deployments().Informer().GetStore().ListKeys())))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Watcher) pod(obj any) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	found := map[problem]detection.Symptom{}
	if symptoms := detection.Pod(p, w.opts.Detection); len(symptoms) > 0 {
		target := podTarget(p)
		for _, s := range symptoms {
			found[problem{Issue: s.Issue, Target: target}] = s
		}
	}
	w.record("Pod/"+p.Namespace+"/"+p.Name, found)
}

// podTarget is the workload a pod's problems are grouped under: its Deployment, StatefulSet or
// DaemonSet; for other owners (a bare ReplicaSet, a Job, a custom controller) the pod itself,
// which the executor resolves to its workload through the owner chain.
func podTarget(p *corev1.Pod) v1alpha1.Target {
	switch kind, name := detection.GroupKey(p); kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		return v1alpha1.Target{Kind: kind, Namespace: p.Namespace, Name: name}
	}
	return v1alpha1.Target{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
}

func (w *Watcher) node(obj any) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	w.record("Node//"+n.Name, problems(detection.Node(n), v1alpha1.Target{Kind: "Node", Name: n.Name}))
}

func (w *Watcher) deployment(obj any) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return
	}
	w.record("Deployment/"+d.Namespace+"/"+d.Name, problems(detection.Deployment(d),
		v1alpha1.Target{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}))
}

func (w *Watcher) openshift(kind string, rule func(*unstructured.Unstructured) []detection.Symptom) func(any) {
	return func(obj any) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		w.record(kind+"//"+u.GetName(), problems(rule(u), v1alpha1.Target{Kind: kind, Name: u.GetName()}))
	}
}

func problems(symptoms []detection.Symptom, target v1alpha1.Target) map[problem]detection.Symptom {
	if len(symptoms) == 0 {
		return nil
	}
	found := make(map[problem]detection.Symptom, len(symptoms))
	for _, s := range symptoms {
		found[problem{Issue: s.Issue, Target: target}] = s
	}
	return found
}

// record updates the groups with what object shows now and schedules the checks: a new
// problem is reported after the debounce, a problem gone is closed after the debounce.
func (w *Watcher) record(object string, found map[problem]detection.Symptom) {
	started, emptied := w.groups.set(object, w.now(), found)
	for _, p := range append(started, emptied...) {
		w.queue.AddAfter(p, w.opts.Debounce)
	}
}

func (w *Watcher) forgetObject(kind string, obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	type named interface {
		GetNamespace() string
		GetName() string
	}
	if o, ok := obj.(named); ok {
		w.record(kind+"/"+o.GetNamespace()+"/"+o.GetName(), nil)
	}
}
