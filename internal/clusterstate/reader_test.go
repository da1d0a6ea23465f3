package clusterstate_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/clusterstate"
)

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return e.err
}

func (e errReader) List(context.Context, client.ObjectList, ...client.ListOption) error { return e.err }

// objectsReader serves these objects, whatever their fields hold, as a cluster whose schemas
// differ from the twins' might.
type objectsReader []*unstructured.Unstructured

func (o objectsReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	u := obj.(*unstructured.Unstructured)
	for _, x := range o {
		if x.GroupVersionKind() == u.GroupVersionKind() && x.GetName() == key.Name {
			x.DeepCopyInto(u)
			return nil
		}
	}
	return apierrors.NewNotFound(schema.GroupResource{Group: u.GroupVersionKind().Group, Resource: u.GetKind()}, key.Name)
}

func (o objectsReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	l := list.(*unstructured.UnstructuredList)
	gvk := l.GroupVersionKind()
	for _, x := range o {
		if x.GroupVersionKind() == gvk.GroupVersion().WithKind(strings.TrimSuffix(gvk.Kind, "List")) {
			l.Items = append(l.Items, *x.DeepCopy())
		}
	}
	return nil
}

// set sets the field at path of u to value and returns u.
func set(u *unstructured.Unstructured, value any, path ...string) *unstructured.Unstructured {
	if err := unstructured.SetNestedField(u.Object, value, path...); err != nil {
		panic(err)
	}
	return u
}

// askAll asks every question for node worker-0 and returns the errors.
func askAll(t *testing.T, r *clusterstate.Reader) map[string]error {
	n := node("worker-0", "node-role.kubernetes.io/worker", "")
	errs := map[string]error{}
	busy, err := r.Busy(t.Context())
	if err == nil && busy != "" {
		t.Errorf("Busy() = %q, want not busy", busy)
	}
	errs["Busy"] = err
	ops, err := r.DegradedOperators(t.Context())
	if err == nil && len(ops) != 0 {
		t.Errorf("DegradedOperators() = %v, want none", ops)
	}
	errs["DegradedOperators"] = err
	p, err := r.Pool(t.Context(), n)
	if err == nil && (len(p.Pools) != 0 || !p.Settled) {
		t.Errorf("Pool(worker-0) = %+v, want no pool", p)
	}
	errs["Pool"] = err
	h, err := r.NodeHealthCheck(t.Context(), n)
	if err == nil && h.Name != "" {
		t.Errorf("NodeHealthCheck(worker-0) = %+v, want none", h)
	}
	errs["NodeHealthCheck"] = err
	return errs
}

func TestKindsNotServedAreNotPresent(t *testing.T) {
	// A client whose REST mapper knows no kind fails as a client of a cluster without the
	// OpenShift and medik8s CRDs does: with a no-match error.
	noKinds, err := client.New(env.Config, client.Options{Mapper: meta.NewDefaultRESTMapper(nil)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		reader client.Reader
	}{
		{"a REST mapper that knows no OpenShift or medik8s kind", noKinds},
		{"a reader that finds no such kind (NotFound)", errReader{apierrors.NewNotFound(schema.GroupResource{Group: "machineconfiguration.openshift.io", Resource: "machineconfigpools"}, "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for method, err := range askAll(t, clusterstate.New(tt.reader)) {
				if err != nil {
					t.Errorf("%s() error = %v, want not present", method, err)
				}
			}
		})
	}
}

func TestReadErrorsAreReturned(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Group: "config.openshift.io", Resource: "clusterversions"}, "version", errors.New("no RBAC"))
	for method, err := range askAll(t, clusterstate.New(errReader{forbidden})) {
		if !apierrors.IsForbidden(err) {
			t.Errorf("%s() error = %v, want the Forbidden error", method, err)
		}
	}
}

func TestMalformedObjectsAreErrors(t *testing.T) {
	tests := []struct {
		name   string
		obj    *unstructured.Unstructured
		method string
	}{
		{"ClusterVersion conditions that are not a list",
			object("config.openshift.io/v1", "ClusterVersion", "version", nil, map[string]any{"conditions": "Progressing"}), "Busy"},
		{"a MachineConfigPool machine count that is not a number",
			pool("worker", roleSelector("worker"), map[string]any{"machineCount": "three"}), "Busy"},
		{"a MachineConfigPool nodeSelector whose labels are a list",
			pool("worker", map[string]any{"matchLabels": []any{"worker"}}, nil), "Pool"},
		{"a ClusterOperator condition that is a number",
			clusterOperator("dns", int64(1)), "DegradedOperators"},
		{"NodeHealthCheck pauseRequests that are a string",
			set(nhc("workers", roleSelector("worker"), nil), "yes", "spec", "pauseRequests"), "NodeHealthCheck"},
		{"a NodeHealthCheck unhealthy node that is a string",
			set(nhc("workers", roleSelector("worker"), nil), []any{"worker-0"}, "status", "unhealthyNodes"), "NodeHealthCheck"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := askAll(t, clusterstate.New(objectsReader{tt.obj}))
			if err := errs[tt.method]; !errors.Is(err, clusterstate.ErrMalformed) || !strings.Contains(err.Error(), tt.obj.GetName()) {
				t.Errorf("%s() error = %v, want an ErrMalformed naming %s", tt.method, err, tt.obj.GetName())
			}
		})
	}
}
