package managedby

import (
	"context"
	"fmt"
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
)

// watchKey is one event handler: a source's informer of one kind, in one role.
type watchKey struct {
	src  Source
	gvk  schema.GroupVersionKind
	role watchRole
}

type watchRole int

const (
	watchObjects  watchRole = iota // workloads, owners, CRDs: drop results that read the object
	watchReleases                  // Helm release Secrets: drop results that looked up the release
	watchApps                      // Applications: keep the name index and drop results that looked them up
)

// watch is a registered event handler.
type watch struct {
	reg toolscache.ResourceEventHandlerRegistration
}

// watchObjects makes sure the Resolver hears of changes to gvk's objects in src before it reads
// them, so that no change after a read goes unnoticed.
func (r *Resolver) watchObjects(ctx context.Context, src Source, gvk schema.GroupVersionKind) error {
	_, err := r.watch(ctx, watchKey{src, gvk, watchObjects}, r.objectHandler(gvk.GroupKind()))
	return err
}

// watch registers handler on key's informer once and returns the registration. It does not wait
// for the informer to sync: reads through the cache do.
func (r *Resolver) watch(ctx context.Context, key watchKey, handler toolscache.ResourceEventHandler) (*watch, error) {
	r.watchMu.Lock()
	defer r.watchMu.Unlock()
	if w, ok := r.watches[key]; ok {
		return w, nil
	}
	obj := &metav1.PartialObjectMetadata{}
	obj.SetGroupVersionKind(key.gvk)
	inf, err := key.src.GetInformer(ctx, obj, cache.BlockUntilSynced(false))
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", key.gvk.GroupKind(), err)
	}
	reg, err := inf.AddEventHandler(handler)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", key.gvk.GroupKind(), err)
	}
	w := &watch{reg: reg}
	r.watches[key] = w
	return w, nil
}

// objectHandler drops the results that read a changed object. Updates count only when the
// metadata Decide reads changed (labels, annotations, owner references), not on every status
// write; the initial list of an informer is not a change.
func (r *Resolver) objectHandler(gk schema.GroupKind) toolscache.ResourceEventHandler {
	changed := func(obj any) {
		if m := metadataOf(obj); m != nil {
			r.results.changed(objectKey(gk, m.Namespace, m.Name))
		}
	}
	return toolscache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if !initial {
				changed(obj)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			if metadataChanged(metadataOf(oldObj), metadataOf(newObj)) {
				changed(newObj)
			}
		},
		DeleteFunc: changed,
	}
}

// metadataOf returns an event's object metadata, also from a deletion whose final state was missed.
func metadataOf(obj any) *metav1.PartialObjectMetadata {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	m, _ := obj.(*metav1.PartialObjectMetadata)
	return m
}

func metadataChanged(a, b *metav1.PartialObjectMetadata) bool {
	if a == nil || b == nil {
		return true
	}
	return a.UID != b.UID || !maps.Equal(a.Labels, b.Labels) || !maps.Equal(a.Annotations, b.Annotations) ||
		!slices.EqualFunc(a.OwnerReferences, b.OwnerReferences, ownerReferenceEqual)
}

func ownerReferenceEqual(a, b metav1.OwnerReference) bool {
	return a.APIVersion == b.APIVersion && a.Kind == b.Kind && a.Name == b.Name && a.UID == b.UID &&
		(a.Controller != nil && *a.Controller) == (b.Controller != nil && *b.Controller)
}
