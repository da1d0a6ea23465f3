package managedby

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// sweepInterval is how often Start drops expired results and looks for Argo CD's API again.
const sweepInterval = time.Minute

// Start prepares the watches of the kinds most resolutions read (workloads, Pods, CRDs, release
// Secrets) so that the first resolutions do not wait for informers to sync, then drops expired
// results and rechecks the Argo CD API every minute until ctx ends. It never blocks on the API
// server: watches that cannot be set up now are set up by the first Resolve that needs them.
// Resolve works without Start; Start makes it faster from the first request on. It returns nil
// when ctx ends.
func (r *Resolver) Start(ctx context.Context) error {
	for _, gvk := range []schema.GroupVersionKind{
		appsv1.SchemeGroupVersion.WithKind("Deployment"), appsv1.SchemeGroupVersion.WithKind("ReplicaSet"),
		appsv1.SchemeGroupVersion.WithKind("StatefulSet"), appsv1.SchemeGroupVersion.WithKind("DaemonSet"),
		batchv1.SchemeGroupVersion.WithKind("Job"), batchv1.SchemeGroupVersion.WithKind("CronJob"),
		corev1.SchemeGroupVersion.WithKind("Pod"), crdGVK,
	} {
		if err := r.watchObjects(ctx, r.objects, gvk); err != nil {
			r.log.V(1).Info("Cannot watch yet; the first resolution will retry", "kind", gvk.Kind, "err", err)
		}
	}
	if _, err := r.watch(ctx, watchKey{r.releases, secretGVK, watchReleases}, r.releaseHandler()); err != nil {
		r.log.V(1).Info("Cannot watch yet; the first resolution will retry", "kind", "Secret", "err", err)
	}
	ticker := time.NewTicker(sweepInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			r.results.sweep(r.opts.Now())
			r.applicationsServed()
		}
	}
}

// NeedLeaderElection is false: every replica serves detections, so the Resolver runs on each
// (it is a controller-runtime manager Runnable).
func (r *Resolver) NeedLeaderElection() bool { return false }
