package managedby

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
)

// appIndex is what the Resolver knows of Argo CD's Applications: whether the API is served
// (asked of the RESTMapper at most every Options.APIRecheckInterval) and which Applications exist,
// an index by name fed by the Applications informer's events, so that
// ArgoCDFacts.ApplicationExists reads memory and never blocks.
type appIndex struct {
	mu        sync.RWMutex
	checkedAt time.Time
	gvk       schema.GroupVersionKind // zero while the API is not served
	waited    bool                    // the first sync was waited for
	byName    map[string]map[string]struct{}
}

func newAppIndex() *appIndex {
	return &appIndex{byName: map[string]map[string]struct{}{}}
}

// appKey is the cache dependency on the Applications of a name: Decide may look one up in any
// namespace, so a change in any namespace counts.
func appKey(name string) string { return "argocd-application/" + name }

// argoCD fills the Argo CD facts. ApplicationExists is left nil when the Applications informer
// has not synced (no permission to list them, or the API went away).
func (g *gathering) argoCD(ctx context.Context) {
	r := g.r
	g.facts.ArgoCD = ArgoCDFacts{Namespace: r.opts.ArgoCDNamespace}
	gvk, served := r.applicationsServed()
	if !served {
		return
	}
	g.facts.ArgoCD.APIAvailable = true
	w, err := r.watch(ctx, watchKey{r.objects, gvk, watchApps}, r.applicationHandler())
	if err != nil {
		r.log.V(1).Info("Cannot watch Argo CD Applications", "err", err)
		return
	}
	if !r.apps.synced(ctx, w) {
		return
	}
	g.facts.ArgoCD.ApplicationExists = func(namespace, name string) bool {
		g.deps = append(g.deps, appKey(name))
		return r.apps.exists(namespace, name)
	}
}

// applicationsServed says whether the cluster serves Argo CD Applications, and in which version.
// When the answer changes, every cached result is dropped: all of them were decided without (or
// with) Applications.
func (r *Resolver) applicationsServed() (schema.GroupVersionKind, bool) {
	a := r.apps
	now := r.opts.Now()
	a.mu.RLock()
	gvk, fresh := a.gvk, !a.checkedAt.IsZero() && now.Sub(a.checkedAt) < r.opts.APIRecheckInterval
	a.mu.RUnlock()
	if fresh {
		return gvk, !gvk.Empty()
	}
	var found schema.GroupVersionKind
	if mapping, err := r.mapper.RESTMapping(applicationGK); err == nil {
		found = mapping.GroupVersionKind
	}
	a.mu.Lock()
	changed := !a.checkedAt.IsZero() && found != a.gvk
	a.gvk, a.checkedAt = found, now
	a.mu.Unlock()
	if changed {
		r.log.Info("Argo CD Applications API changed", "served", !found.Empty(), "version", found.Version)
		r.results.clear()
	}
	return found, !found.Empty()
}

// synced says whether the Applications informer has delivered its initial list. The first call
// waits for it (bounded by ctx); later calls do not wait, so that an informer that cannot list
// Applications costs one wait, not one per resolution.
func (a *appIndex) synced(ctx context.Context, w *watch) bool {
	if w.reg.HasSynced() {
		return true
	}
	a.mu.Lock()
	first := !a.waited
	a.waited = true
	a.mu.Unlock()
	if !first {
		return false
	}
	return toolscache.WaitForCacheSync(ctx.Done(), w.reg.HasSynced)
}

// exists reports whether an Application exists; namespace "" means in any namespace.
func (a *appIndex) exists(namespace, name string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	namespaces := a.byName[name]
	if namespace == "" {
		return len(namespaces) > 0
	}
	_, ok := namespaces[namespace]
	return ok
}

// applicationHandler keeps the index and drops the results that looked up a changed name.
func (r *Resolver) applicationHandler() toolscache.ResourceEventHandler {
	a := r.apps
	return toolscache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, _ bool) {
			m := metadataOf(obj)
			if m == nil {
				return
			}
			a.mu.Lock()
			if a.byName[m.Name] == nil {
				a.byName[m.Name] = map[string]struct{}{}
			}
			a.byName[m.Name][m.Namespace] = struct{}{}
			a.mu.Unlock()
			r.results.changed(appKey(m.Name))
		},
		DeleteFunc: func(obj any) {
			m := metadataOf(obj)
			if m == nil {
				return
			}
			a.mu.Lock()
			delete(a.byName[m.Name], m.Namespace)
			if len(a.byName[m.Name]) == 0 {
				delete(a.byName, m.Name)
			}
			a.mu.Unlock()
			r.results.changed(appKey(m.Name))
		},
	}
}
