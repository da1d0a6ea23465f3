package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// benchLabel marks every object the tool makes; its value is the namespace prefix.
const benchLabel = "bench.selfhealing.dev/scenario"

// workload is where the Deployments go.
type workload struct {
	prefix                            string
	namespaces, deployments, replicas int
}

func (w *workload) flags(fs *flag.FlagSet, prefix string, replicas int) {
	fs.StringVar(&w.prefix, "prefix", prefix, "namespace prefix: namespaces are <prefix>0 .. <prefix>N-1")
	fs.IntVar(&w.namespaces, "namespaces", 10, "namespaces (1..100)")
	fs.IntVar(&w.deployments, "deployments", 100, "Deployments in all, spread round-robin over the namespaces (1..1000)")
	fs.IntVar(&w.replicas, "replicas", replicas, "replicas of each Deployment (1..1000)")
}

func (w *workload) check() error {
	switch {
	case w.prefix == "" || len(w.prefix) > 40:
		return fmt.Errorf("--prefix must be 1..40 characters")
	case w.namespaces < 1 || w.namespaces > 100:
		return fmt.Errorf("--namespaces must be 1..100")
	case w.deployments < w.namespaces || w.deployments > 1000:
		return fmt.Errorf("--deployments must be from --namespaces to 1000")
	case w.replicas < 1 || w.replicas > 1000 || w.deployments*w.replicas > 20000:
		return fmt.Errorf("--replicas must be 1..1000 and deployments x replicas at most 20000")
	}
	return nil
}

// each yields the namespace and name of every Deployment: app-000 in <prefix>0, app-001 in
// <prefix>1, ...
func (w *workload) each(f func(ns, name string)) {
	nss := namespaces(w.prefix, w.namespaces)
	for i := range w.deployments {
		f(nss[i%len(nss)], fmt.Sprintf("app-%03d", i))
	}
}

// labelValue is the prefix as a label value: "storm-" -> "storm".
func labelValue(prefix string) string {
	if v := strings.Trim(prefix, "-_."); v != "" {
		return v
	}
	return "bench"
}

func (w *workload) pods() int { return w.deployments * w.replicas }

func setup(args []string) error {
	fs := flag.NewFlagSet("setup", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the local cluster (default: KUBECONFIG)")
	var w workload
	w.flags(fs, "storm-", 10)
	timeout := fs.Duration("timeout", 10*time.Minute, "give up when the pods are not all Running and Ready by then")
	concurrency := fs.Int("concurrency", 8, "creates in flight (1..64)")
	needReady := fs.Bool("need-ready", true, "wait until every pod is Ready too, not only Running (with 1,000 nodes on a busy machine kwok's heartbeats can fall behind; the node controller then marks pods not ready and kwok's stages never make them Ready again)")
	_ = fs.Parse(args)
	if err := w.check(); err != nil {
		return err
	}
	if *concurrency < 1 || *concurrency > 64 {
		return fmt.Errorf("--concurrency must be 1..64")
	}
	cs, err := kubeClient(*kubeconfig, 200)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	for _, ns := range namespaces(w.prefix, w.namespaces) {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{benchLabel: labelValue(w.prefix)}}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
	}
	sem := make(chan struct{}, *concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	w.each(func(ns, name string) {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment(ns, name, w.prefix, int32(w.replicas)), metav1.CreateOptions{})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("deployment %s/%s: %w", ns, name, err))
				mu.Unlock()
			}
		})
	})
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d creates failed, the first: %w", len(errs), errs[0])
	}
	fmt.Fprintf(os.Stderr, "setup: %d Deployments x %d replicas in %d namespaces created in %s\n",
		w.deployments, w.replicas, w.namespaces, time.Since(start).Round(time.Millisecond))
	running, ready, err := waitRunning(ctx, cs, w, start, *needReady)
	if err != nil {
		return err
	}
	fmt.Printf("setup: %d pods Running (%d of them Ready) %s after the first create\n", running, ready, secs(time.Since(start)))
	return nil
}

// deployment is a Deployment of pods for the kwok nodes, like hack/bench/pods-1000.yaml.
func deployment(ns, name, prefix string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name, benchLabel: labelValue(prefix)}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{benchLabel: labelValue(prefix)}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"type": "kwok"},
					Tolerations:  []corev1.Toleration{{Key: "kwok.x-k8s.io/node", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
					Containers: []corev1.Container{{Name: "app", Image: name + ":1",
						Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
							corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}}}},
				},
			},
		},
	}
}

// waitRunning waits until every pod of the workload is Running (and Ready, with needReady),
// printing progress, and returns how many are Running and how many Ready. It
// counts from a watch (one list, then events), which costs the API server far less than listing
// thousands of pods again and again.
func waitRunning(ctx context.Context, cs kubernetes.Interface, w workload, start time.Time, needReady bool) (running, ready int, _ error) {
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.LabelSelector = benchLabel + "=" + labelValue(w.prefix)
	}))
	inf := f.Core().V1().Pods().Informer()
	stop := make(chan struct{})
	defer func() { close(stop); f.Shutdown() }()
	f.Start(stop)
	last := time.Time{}
	for {
		running, ready = 0, 0
		total := 0
		if inf.HasSynced() {
			for _, o := range inf.GetStore().List() {
				p, ok := o.(*corev1.Pod)
				if !ok || p.DeletionTimestamp != nil {
					continue
				}
				total++
				if p.Status.Phase == corev1.PodRunning {
					running++
					if podReady(p) {
						ready++
					}
				}
			}
		}
		if ready >= w.pods() || !needReady && running >= w.pods() {
			return running, ready, nil
		}
		if time.Since(last) >= 10*time.Second {
			fmt.Fprintf(os.Stderr, "setup: %d/%d pods Running, %d Ready (%d exist), %s\n", running, w.pods(), ready, total, secs(time.Since(start)))
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return running, ready, fmt.Errorf("%d of %d pods Running, %d Ready, when the time ran out", running, w.pods(), ready)
		case <-time.After(time.Second):
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
