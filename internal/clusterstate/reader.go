package clusterstate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The kinds read, at the versions the platforms serve.
var (
	clusterVersionKind    = schema.GroupVersionKind{Group: "config.openshift.io", Version: "v1", Kind: "ClusterVersion"}
	clusterOperatorKind   = schema.GroupVersionKind{Group: "config.openshift.io", Version: "v1", Kind: "ClusterOperator"}
	machineConfigPoolKind = schema.GroupVersionKind{Group: "machineconfiguration.openshift.io", Version: "v1", Kind: "MachineConfigPool"}
	nodeHealthCheckKind   = schema.GroupVersionKind{Group: "remediation.medik8s.io", Version: "v1alpha1", Kind: "NodeHealthCheck"}
)

// Reader answers what the platform layer is doing, from a client.Reader. It keeps no state.
type Reader struct {
	r client.Reader
}

// New returns a Reader that reads through r. The identity behind r needs get and list on the
// kinds read; a cached r needs informers for them.
func New(r client.Reader) *Reader { return &Reader{r: r} }

// notServed reports whether err says the cluster does not serve the kind at all.
func notServed(err error) bool { return meta.IsNoMatchError(err) || apierrors.IsNotFound(err) }

// get reads the cluster-scoped object name of kind and decodes it into into. It reports false
// when the kind is not served or the object does not exist.
func (r *Reader) get(ctx context.Context, kind schema.GroupVersionKind, name string, into any) (bool, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(kind)
	err := r.r.Get(ctx, client.ObjectKey{Name: name}, u)
	if notServed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get %s %s: %w", kind.Kind, name, err)
	}
	return true, decode(u, into)
}

// list reads every object of kind, sorted by name; none when the kind is not served.
func (r *Reader) list(ctx context.Context, kind schema.GroupVersionKind) ([]unstructured.Unstructured, error) {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(kind.GroupVersion().WithKind(kind.Kind + "List"))
	err := r.r.List(ctx, l)
	if notServed(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", kind.Kind, err)
	}
	slices.SortFunc(l.Items, func(a, b unstructured.Unstructured) int { return strings.Compare(a.GetName(), b.GetName()) })
	return l.Items, nil
}

// decode converts u into the local type into; a field of the wrong type is ErrMalformed.
func decode(u *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("%s %s: %w: %w", u.GetKind(), u.GetName(), ErrMalformed, err)
	}
	return nil
}
