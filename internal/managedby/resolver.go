package managedby

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sync/singleflight"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Source is where the Resolver reads object metadata: a controller-runtime cache (the manager's,
// or one of its own). Reads are metav1.PartialObjectMetadata, so the cache keeps metadata-only
// informers; the Resolver adds event handlers to them to drop cached results on change.
type Source interface {
	client.Reader
	// GetInformer returns the informer behind the Reader's reads of obj's kind.
	GetInformer(ctx context.Context, obj client.Object, opts ...cache.InformerGetOption) (cache.Informer, error)
}

var _ Source = cache.Cache(nil)

// Options tune the Resolver. Zero values take the defaults.
type Options struct {
	// MaxDepth caps the owner chain walked from a target (default 8).
	MaxDepth int
	// MaxAge is how long a result is served from the cache without a change event, a backstop
	// for missed events (default 10m).
	MaxAge time.Duration
	// MaxEntries caps the cached results (default 10000).
	MaxEntries int
	// Timeout bounds one resolution, including waiting for an informer's first sync (default 10s).
	Timeout time.Duration
	// APIRecheckInterval is how often the Resolver asks the RESTMapper again whether Argo CD's
	// Applications are served (default 1m); in between it answers from the last look.
	APIRecheckInterval time.Duration
	// ArgoCDNamespace is Argo CD's control-plane namespace (openshift-gitops on OpenShift GitOps,
	// argocd upstream); empty matches Applications named without a namespace in any namespace.
	ArgoCDNamespace string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = 8
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 10 * time.Minute
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 10_000
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.APIRecheckInterval <= 0 {
		o.APIRecheckInterval = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Resolver resolves targets through their controller owner references, gathers Facts about the
// top controller and decides with Decide. It reads metadata only, from caches, and never writes
// to the cluster. Results are cached per target and dropped when a watch event changes an object
// they were decided from. It is safe for concurrent use.
type Resolver struct {
	objects  Source
	releases Source
	mapper   meta.RESTMapper
	opts     Options
	log      logr.Logger

	results *results
	flight  singleflight.Group
	apps    *appIndex

	watchMu sync.Mutex
	watches map[watchKey]*watch
}

// NewResolver returns a Resolver that reads workloads, owners, CustomResourceDefinitions and
// Applications from objects and Helm release Secrets from releases (the same cache, or one that
// holds only Secrets labelled owner=helm, see ReleaseSecretSelector), and maps kinds with mapper.
// It contacts nothing until the first Resolve or Start.
func NewResolver(objects, releases Source, mapper meta.RESTMapper, opts Options, log logr.Logger) *Resolver {
	opts = opts.withDefaults()
	return &Resolver{
		objects: objects, releases: releases, mapper: mapper, opts: opts, log: log,
		results: newResults(opts.MaxAge, opts.MaxEntries),
		apps:    newAppIndex(),
		watches: map[watchKey]*watch{},
	}
}

// Resolve resolves target to its workload and top controller and decides how it is deployed.
// target.Kind is a kind ("Deployment", case-insensitive for the built-in workload kinds) or
// Kind.group ("Rollout.argoproj.io") for a kind outside the core, apps and batch groups.
//
// Results come from the cache while no watched object they depend on changed (and for at most
// Options.MaxAge). Resolve returns an error wrapping ErrInvalidTarget or ErrUnknownKind for a
// target it cannot look up, ErrTargetNotFound when the target does not exist, and the read error
// when the target cannot be read. Whatever else cannot be read (an owner, release Secrets,
// Applications, a CustomResourceDefinition) becomes a gap in the facts, and Decide answers
// Unknown unless something claims the workload. The Resolution returned is the caller's.
func (r *Resolver) Resolve(ctx context.Context, target v1alpha1.Target) (Resolution, error) {
	ref, err := r.targetRef(target)
	if err != nil {
		return Resolution{}, err
	}
	key := ref.key()
	if res, ok := r.results.get(key, r.opts.Now()); ok {
		return res.clone(), nil
	}
	// Concurrent resolves of one target share one walk; it is not cut short when the first
	// caller goes away, only by Options.Timeout.
	v, err, _ := r.flight.Do(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.Timeout)
		defer cancel()
		return r.resolve(ctx, ref)
	})
	if err != nil {
		return Resolution{}, err
	}
	return v.(Resolution).clone(), nil
}

// resolve gathers the facts of ref, decides and caches the result.
func (r *Resolver) resolve(ctx context.Context, ref objectRef) (Resolution, error) {
	since := r.results.begin()
	g := &gathering{r: r}
	if err := g.walk(ctx, ref); err != nil {
		return Resolution{}, err
	}
	g.helmReleases(ctx)
	g.argoCD(ctx)
	res := Resolution{
		Result:   Decide(g.facts),
		Target:   g.facts.Target,
		Workload: g.workload,
		Top:      g.facts.Top,
		Chain:    g.facts.Chain,
	}
	res.DetectedAt = r.opts.Now().UTC()
	if g.facts.Chain == nil {
		res.Chain = []Owner{}
	}
	r.results.put(ref.key(), res, g.deps, since, r.opts.Now())
	return res, nil
}

// targetRef looks up the target's kind: the built-in workload kinds from a table, others through
// the RESTMapper.
func (r *Resolver) targetRef(t v1alpha1.Target) (objectRef, error) {
	if t.Kind == "" || t.Name == "" {
		return objectRef{}, fmt.Errorf("%w %s: kind and name are required", ErrInvalidTarget, t)
	}
	kind, group, _ := strings.Cut(t.Kind, ".")
	gvk, namespaced, err := r.kindOf(schema.GroupKind{Group: group, Kind: kind}, "")
	if err != nil {
		return objectRef{}, fmt.Errorf("%w %s: %w", ErrUnknownKind, t.Kind, err)
	}
	ref := objectRef{gvk: gvk, name: t.Name}
	if namespaced {
		if t.Namespace == "" {
			return objectRef{}, fmt.Errorf("%w %s: %s is namespaced, but no namespace was given", ErrInvalidTarget, t, gvk.Kind)
		}
		ref.namespace = t.Namespace
	}
	return ref, nil
}

// kindOf returns the version to read gk in and whether it is namespaced. version is the one an
// owner reference names; when the cluster no longer serves it, the preferred version is read.
func (r *Resolver) kindOf(gk schema.GroupKind, version string) (schema.GroupVersionKind, bool, error) {
	if gvk, ok := builtinKind(gk.Group, gk.Kind); ok {
		return gvk, true, nil
	}
	var versions []string
	if version != "" {
		versions = []string{version}
	}
	mapping, err := r.mapper.RESTMapping(gk, versions...)
	if err != nil && version != "" {
		mapping, err = r.mapper.RESTMapping(gk)
	}
	if err != nil {
		return schema.GroupVersionKind{}, false, err
	}
	return mapping.GroupVersionKind, mapping.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// clone copies what a caller could change without touching the cached Resolution.
func (res Resolution) clone() Resolution {
	res.Evidence = slices.Clone(res.Evidence)
	res.Details = maps.Clone(res.Details)
	res.Chain = slices.Clone(res.Chain)
	res.Target, res.Workload, res.Top = res.Target.clone(), res.Workload.clone(), res.Top.clone()
	return res
}

func (o Object) clone() Object {
	o.Labels, o.Annotations = maps.Clone(o.Labels), maps.Clone(o.Annotations)
	return o
}
