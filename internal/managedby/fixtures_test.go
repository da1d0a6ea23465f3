package managedby

import "strings"

// Builders of Facts for the tests: a top object, then options for what the resolver found.

type objectOption func(*Object)

func object(apiVersion, kind, namespace, name string, opts ...objectOption) Object {
	o := Object{APIVersion: apiVersion, Kind: kind, Namespace: namespace, Name: name}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func deployment(name string, opts ...objectOption) Object {
	return object("apps/v1", "Deployment", "shop", name, opts...)
}

func pod(name string, opts ...objectOption) Object {
	return object("v1", "Pod", "shop", name, opts...)
}

func label(key, value string) objectOption {
	return func(o *Object) {
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[key] = value
	}
}

func annotation(key, value string) objectOption {
	return func(o *Object) {
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[key] = value
	}
}

// installedByHelm is what Helm 3.2+ writes on every object of a release in namespace shop.
func installedByHelm(release string) objectOption {
	return func(o *Object) {
		label(LabelManagedBy, "Helm")(o)
		label(LabelAppInstance, release)(o)
		annotation(AnnotationHelmReleaseName, release)(o)
		annotation(AnnotationHelmReleaseNamespace, "shop")(o)
	}
}

func trackedByArgoCD(trackingID string) objectOption {
	return annotation(AnnotationArgoCDTrackingID, trackingID)
}

type factsOption func(*Facts)

// factsFor is the facts of a target that is its own top controller.
func factsFor(top Object, opts ...factsOption) Facts {
	f := Facts{Target: top, Top: top}
	for _, opt := range opts {
		opt(&f)
	}
	return f
}

// applications serves the Applications API, with Argo CD in namespace argocd and the given
// Applications, each "namespace/name".
func applications(refs ...string) factsOption {
	return func(f *Facts) {
		exists := map[string]bool{}
		for _, ref := range refs {
			exists[ref] = true
		}
		f.ArgoCD = ArgoCDFacts{APIAvailable: true, Namespace: "argocd", ApplicationExists: func(namespace, name string) bool {
			if namespace == "" {
				for ref := range exists {
					if strings.HasSuffix(ref, "/"+name) {
						return true
					}
				}
			}
			return exists[namespace+"/"+name]
		}}
	}
}

func release(name string, revision int, status string) factsOption {
	return releaseIn("shop", name, revision, status)
}

func releaseIn(namespace, name string, revision int, status string) factsOption {
	return func(f *Facts) {
		f.HelmReleases = append(f.HelmReleases, HelmRelease{Name: name, Namespace: namespace, Revision: revision, Status: status})
	}
}

func releaseOfFlux(name, helmRelease string) factsOption {
	return func(f *Facts) {
		f.HelmReleases = append(f.HelmReleases, HelmRelease{Name: name, Namespace: "shop", Revision: 1, Status: "deployed",
			Flux: &FluxRef{Kind: "HelmRelease", Name: helmRelease, Namespace: "flux-system"}})
	}
}

// target makes the facts' target another object below the top, with the chain between them.
func target(o Object, chain ...Owner) factsOption {
	return func(f *Facts) {
		f.Target = o
		f.Chain = chain
	}
}

func replicaSetOf(deployment string) Owner {
	return Owner{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: deployment + "-5d4f8", Controller: true}
}

func controllerOf(apiVersion, kind, name string) Owner {
	return Owner{APIVersion: apiVersion, Kind: kind, Name: name, Controller: true}
}

func customResource(apiVersion, kind, name string) Owner {
	return Owner{APIVersion: apiVersion, Kind: kind, Name: name, Controller: true, IsCustomResource: true}
}

func olmLabels(kv ...string) factsOption {
	return func(f *Facts) {
		f.OLMLabels = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			f.OLMLabels[kv[i]] = kv[i+1]
		}
	}
}

func gap(text string) factsOption {
	return func(f *Facts) { f.Gaps = append(f.Gaps, text) }
}
