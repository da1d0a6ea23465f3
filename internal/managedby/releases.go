package managedby

import (
	"context"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ReleaseSecretSelector selects Helm's release Secrets (owner=helm). A cache that serves the
// Resolver's release reads may be restricted to it, so that it holds no other Secrets.
func ReleaseSecretSelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{ReleaseSecretLabelOwner: "helm"})
}

// releaseKey is the cache dependency on a Helm release's Secrets.
func releaseKey(namespace, name string) string { return "helm/" + namespace + "/" + name }

// helmReleases finds the latest revision of the release that Top's meta.helm.sh annotations name,
// from the labels of its Secrets (owner=helm, name, status, version); the release payload is not
// read. A release that a Flux HelmRelease manages carries Flux's labels on its Secrets.
func (g *gathering) helmReleases(ctx context.Context) {
	name := g.facts.Top.Annotations[AnnotationHelmReleaseName]
	namespace := g.facts.Top.Annotations[AnnotationHelmReleaseNamespace]
	if namespace == "" {
		namespace = g.facts.Top.Namespace
	}
	if name == "" || namespace == "" {
		return
	}
	g.deps = append(g.deps, releaseKey(namespace, name))
	if _, err := g.r.watch(ctx, watchKey{g.r.releases, secretGVK, watchReleases}, g.r.releaseHandler()); err != nil {
		g.gap("cannot watch Helm release Secrets: %v", err)
		return
	}
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(secretGVK.GroupVersion().WithKind("SecretList"))
	if err := g.r.releases.List(ctx, list, client.InNamespace(namespace),
		client.MatchingLabels{ReleaseSecretLabelOwner: "helm", ReleaseSecretLabelName: name}); err != nil {
		g.gap("cannot list the release Secrets of Helm release %s/%s: %s", namespace, name, reason(err))
		return
	}
	var latest *metav1.PartialObjectMetadata
	latestRevision := 0
	for i := range list.Items {
		if rev := releaseRevision(&list.Items[i]); rev > latestRevision {
			latest, latestRevision = &list.Items[i], rev
		}
	}
	if latest == nil {
		return
	}
	release := HelmRelease{Name: name, Namespace: namespace, Revision: latestRevision,
		Status: latest.Labels[ReleaseSecretLabelStatus]}
	if flux := latest.Labels[LabelFluxHelmReleaseName]; flux != "" {
		release.Flux = &FluxRef{Kind: "HelmRelease", Name: flux, Namespace: latest.Labels[LabelFluxHelmReleaseNamespace]}
	}
	g.facts.HelmReleases = append(g.facts.HelmReleases, release)
}

// releaseRevision is a release Secret's revision: its version label, else the number in its
// name; 0 when neither is a revision.
func releaseRevision(s *metav1.PartialObjectMetadata) int {
	if rev, err := strconv.Atoi(s.Labels[ReleaseSecretLabelVersion]); err == nil && rev > 0 {
		return rev
	}
	if _, rev, ok := ParseReleaseSecretName(s.Name); ok {
		return rev
	}
	return 0
}

// releaseHandler drops the results that looked up a release whose Secrets changed.
func (r *Resolver) releaseHandler() toolscache.ResourceEventHandler {
	changed := func(obj any) {
		m := metadataOf(obj)
		if m == nil || m.Labels[ReleaseSecretLabelOwner] != "helm" || m.Labels[ReleaseSecretLabelName] == "" {
			return
		}
		r.results.changed(releaseKey(m.Namespace, m.Labels[ReleaseSecretLabelName]))
	}
	return toolscache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if !initial {
				changed(obj)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			if metadataChanged(metadataOf(oldObj), metadataOf(newObj)) {
				changed(oldObj)
				changed(newObj)
			}
		},
		DeleteFunc: changed,
	}
}
