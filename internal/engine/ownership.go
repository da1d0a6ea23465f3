package engine

import (
	"fmt"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"selfhealing.dev/coordination-engine/internal/managedby"
)

// newResolver builds the deployment-method Resolver and adds it to mgr. It reads workloads,
// their owners, CustomResourceDefinitions and Argo CD Applications as metadata from the
// manager's cache (which starts a metadata-only informer per kind on first use), and Helm's
// release Secrets from a cache of its own that holds only Secrets labelled owner=helm, so that no
// other Secret is ever cached. Both run on every replica (the API serves detections everywhere).
// It contacts no API server, so it never delays start-up: the first resolution of a kind waits
// for that kind's informer, bounded by managedby.Options.Timeout. argoCDNamespace is where
// Applications named without a namespace are looked for (ARGOCD_NAMESPACE).
func newResolver(mgr manager.Manager, argoCDNamespace string, log logr.Logger) (*managedby.Resolver, error) {
	releases, err := cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient:           mgr.GetHTTPClient(),
		Scheme:               mgr.GetScheme(),
		Mapper:               mgr.GetRESTMapper(),
		DefaultLabelSelector: managedby.ReleaseSecretSelector(),
		DefaultTransform:     cache.TransformStripManagedFields(),
	})
	if err != nil {
		return nil, fmt.Errorf("release Secret cache: %w", err)
	}
	if err := mgr.Add(ownCache{releases}); err != nil {
		return nil, fmt.Errorf("add release Secret cache: %w", err)
	}
	r := managedby.NewResolver(mgr.GetCache(), releases, mgr.GetRESTMapper(), managedby.Options{ArgoCDNamespace: argoCDNamespace}, log)
	if err := mgr.Add(r); err != nil {
		return nil, fmt.Errorf("add resolver: %w", err)
	}
	return r, nil
}

// ownCache is a cache the manager starts with its own, before the other runnables, on every
// replica.
type ownCache struct{ cache.Cache }

// GetCache puts the cache in the manager's cache group.
func (c ownCache) GetCache() cache.Cache { return c.Cache }

var _ manager.LeaderElectionRunnable = (*managedby.Resolver)(nil)
