package managedby

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// gathering is one resolution's facts as they are read, and what they depend on.
type gathering struct {
	r        *Resolver
	facts    Facts
	workload Object
	deps     []string
}

func (g *gathering) gap(format string, args ...any) {
	g.facts.Gaps = append(g.facts.Gaps, fmt.Sprintf(format, args...))
}

// walk reads the target and follows controller owner references up to the top controller,
// filling Target, Top, Chain, the workload and, for a custom resource at the top, OLMLabels.
// Only the target's own read fails the walk; an owner that cannot be mapped or read ends the
// chain with a gap, and Top is then the owner's identity without metadata.
func (g *gathering) walk(ctx context.Context, ref objectRef) error {
	cur, err := g.read(ctx, g.r.objects, ref)
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%w: %s", ErrTargetNotFound, ref)
	case err != nil:
		return fmt.Errorf("read %s: %w", ref, err)
	}
	g.facts.Target = objectOf(ref, cur)
	g.facts.Top = g.facts.Target
	g.workload = g.facts.Target
	workloadFound := isWorkloadKind(ref.gvk.GroupKind())
	seen := map[string]bool{ref.key(): true}
	var topCRDLabels map[string]string
	for {
		ctrl := metav1.GetControllerOfNoCopy(cur)
		if ctrl == nil {
			break
		}
		if len(g.facts.Chain) == g.r.opts.MaxDepth {
			g.gap("owner chain of %s is longer than %d owners: stopped at %s", g.facts.Target, g.r.opts.MaxDepth, g.facts.Top)
			break
		}
		gv, err := schema.ParseGroupVersion(ctrl.APIVersion)
		if err != nil {
			g.gap("%s names a controller with a malformed apiVersion %q", g.facts.Top, ctrl.APIVersion)
			break
		}
		owner := Owner{APIVersion: ctrl.APIVersion, Kind: ctrl.Kind, Name: ctrl.Name, Controller: true}
		identity := Object{APIVersion: ctrl.APIVersion, Kind: ctrl.Kind, Namespace: ref.namespace, Name: ctrl.Name}
		gvk, namespaced, err := g.r.kindOf(schema.GroupKind{Group: gv.Group, Kind: ctrl.Kind}, gv.Version)
		if err != nil {
			g.gap("cannot look up the kind of %s, the controller of %s: %v", identity, g.facts.Top, err)
			g.facts.Chain = append(g.facts.Chain, owner)
			g.facts.Top, topCRDLabels = identity, nil
			break
		}
		oref := objectRef{gvk: gvk, name: ctrl.Name}
		if namespaced {
			oref.namespace = ref.namespace
		} else {
			identity.Namespace = ""
		}
		if seen[oref.key()] {
			g.gap("owner references of %s form a cycle at %s", g.facts.Target, identity)
			break
		}
		seen[oref.key()] = true
		owner.IsCustomResource, topCRDLabels = g.customResource(ctx, gvk.GroupKind())
		g.facts.Chain = append(g.facts.Chain, owner)
		next, err := g.read(ctx, g.r.objects, oref)
		if err != nil {
			g.gap("cannot read %s, the controller of %s: %s", identity, g.facts.Top, reason(err))
			g.facts.Top = identity
			break
		}
		if next.UID != ctrl.UID {
			g.gap("%s was replaced (uid %s, the reference names %s): the owner reference is stale", identity, next.UID, ctrl.UID)
		}
		cur, ref = next, oref
		g.facts.Top = objectOf(oref, cur)
		if !workloadFound && isWorkloadKind(oref.gvk.GroupKind()) {
			g.workload, workloadFound = g.facts.Top, true
		}
	}
	if owner, ok := g.facts.topOwner(); ok && owner.IsCustomResource {
		g.facts.OLMLabels = olmLabelsOf(topCRDLabels)
	}
	return nil
}

// customResource says whether gk is served from a CustomResourceDefinition, and returns that
// definition's labels. It asks for the CRD named <resource>.<group> rather than judging by the
// group's name: custom resources use *.k8s.io and *.openshift.io groups too
// (gateway.networking.k8s.io, machineconfiguration.openshift.io), and OpenShift serves built-in
// kinds from aggregated API servers in groups that look custom (apps.openshift.io's
// DeploymentConfig), which are not CRDs and have no operator behind a custom resource. A CRD that
// cannot be read is a gap, and the owner counts as not custom.
func (g *gathering) customResource(ctx context.Context, gk schema.GroupKind) (bool, map[string]string) {
	if gk.Group == "" {
		return false, nil // the core group is kube-apiserver's own; CRDs cannot use it
	}
	mapping, err := g.r.mapper.RESTMapping(gk)
	if err != nil {
		g.gap("cannot look up the resource of kind %s: %v", gk, err)
		return false, nil
	}
	name := mapping.Resource.Resource + "." + gk.Group
	crd, err := g.read(ctx, g.r.objects, objectRef{gvk: crdGVK, name: name})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		g.gap("cannot read CustomResourceDefinition %s: %s", name, reason(err))
		return false, nil
	}
	return true, crd.Labels
}

// read gets ref's metadata from src and records it as a dependency, also when it does not exist
// (its creation must drop the cached result as well).
func (g *gathering) read(ctx context.Context, src Source, ref objectRef) (*metav1.PartialObjectMetadata, error) {
	g.deps = append(g.deps, ref.key())
	if err := g.r.watchObjects(ctx, src, ref.gvk); err != nil {
		return nil, err
	}
	obj := &metav1.PartialObjectMetadata{}
	obj.SetGroupVersionKind(ref.gvk)
	if err := src.Get(ctx, client.ObjectKey{Namespace: ref.namespace, Name: ref.name}, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// objectOf is the Object of metadata read for ref.
func objectOf(ref objectRef, m *metav1.PartialObjectMetadata) Object {
	return Object{
		APIVersion: ref.gvk.GroupVersion().String(), Kind: ref.gvk.Kind, Namespace: m.Namespace, Name: m.Name,
		Labels: m.Labels, Annotations: m.Annotations,
	}
}

// olmLabelsOf keeps OLM's labels from a CustomResourceDefinition's labels.
func olmLabelsOf(labels map[string]string) map[string]string {
	var out map[string]string
	for k, v := range labels {
		if k == LabelOLMOwner || k == LabelOLMOwnerKind || strings.HasPrefix(k, LabelPrefixOLMOperator) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// reason shortens an API error for a gap.
func reason(err error) string {
	switch {
	case apierrors.IsNotFound(err):
		return "not found"
	case apierrors.IsForbidden(err):
		return "forbidden: " + err.Error()
	default:
		return err.Error()
	}
}
