package operator

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Name is the strategy's name on workflows and changes.
const Name = "operator"

// Refusal reasons.
const (
	ReasonNotOperatorManaged = v1alpha1.ReasonNotOperatorManaged
	ReasonNoFieldMapping     = v1alpha1.ReasonNoFieldMapping
	ReasonNoCurrentValue     = v1alpha1.ReasonNoCurrentValue
	ReasonAtCeiling          = v1alpha1.ReasonAtCeiling
	ReasonOwnerNotFound      = v1alpha1.ReasonOwnerNotFound
)

var _ remediation.Strategy = (*Strategy)(nil)

// Strategy changes the custom resource that owns a workload.
type Strategy struct {
	reader client.Reader
	writer *guardrail.Writer
	opts   Options
	now    func() time.Time
}

// New returns the strategy; it reads with reader and writes only through writer.
func New(reader client.Reader, writer *guardrail.Writer, opts Options, now func() time.Time) *Strategy {
	return &Strategy{reader: reader, writer: writer, opts: opts.withDefaults(), now: now}
}

// Plan computes the patch of the owning custom resource. It refuses targets that no operator
// manages, and actions with no mapped field for the resource's kind (except restart, which
// falls back to the reconcile-trigger annotation).
func (s *Strategy) Plan(ctx context.Context, act action.Action, owner managedby.Resolution) (v1alpha1.Change, error) {
	if owner.Method != managedby.Operator {
		return v1alpha1.Change{}, action.Refuse(ReasonNotOperatorManaged, false, "%s is %s-managed, not by an operator", owner.Workload, owner.Method)
	}
	cr, err := s.owningResource(ctx, owner)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	gvk := cr.GroupVersionKind()
	kind := gvk.Kind + "." + gvk.Group
	ptr, mapped := s.opts.Mappings[kind][act.Type]
	if !mapped && act.Type != action.Restart {
		return v1alpha1.Change{}, action.Refuse(ReasonNoFieldMapping, false,
			"%s is managed through %s %s, and no field of %s is mapped for %s: add \"%s:%s=/json/pointer\" to OPERATOR_FIELD_MAPPINGS",
			owner.Workload, kind, cr.GetName(), kind, act.Type, kind, act.Type)
	}
	var path []string
	if mapped {
		path = splitPointer(ptr)
	} else {
		path = []string{"metadata", "annotations", s.opts.ReconcileAnnotation}
	}
	old, found, _ := unstructured.NestedFieldNoCopy(cr.Object, path...)
	value, err := s.newValue(act, old, found, kind)
	if err != nil {
		return v1alpha1.Change{}, err
	}
	var undo any // absent before: the undo removes it
	if found {
		undo = old
	}
	patch, undoPatch := mergePatch(path, value), mergePatch(path, undo)
	where := "/" + strings.Join(path, "/")
	return v1alpha1.Change{
		Strategy: Name,
		Object: v1alpha1.ObjectRef{APIVersion: cr.GetAPIVersion(), Kind: cr.GetKind(), Namespace: cr.GetNamespace(),
			Name: cr.GetName(), UID: string(cr.GetUID())},
		Operation: v1alpha1.OperationPatch, PatchType: string(types.MergePatchType), Patch: patch, Undo: undoPatch,
		Diff:    fmt.Sprintf("%s %s/%s %s:\n- %v\n+ %v", kind, cr.GetNamespace(), cr.GetName(), where, display(old, found), value),
		Summary: fmt.Sprintf("set %s of %s %s/%s to %v (the operator reconciles %s)", where, cr.GetKind(), cr.GetNamespace(), cr.GetName(), value, owner.Workload),
	}, nil
}

// Apply patches the custom resource through the guardrail.
func (s *Strategy) Apply(ctx context.Context, p *guardrail.Permit, ch v1alpha1.Change) error {
	return s.writer.Apply(ctx, p, ch)
}

// Undo restores the field's previous value through the guardrail.
func (s *Strategy) Undo(ctx context.Context, p *guardrail.Permit, ch v1alpha1.Change) error {
	return s.writer.Undo(ctx, p, ch)
}

// owningResource reads the custom resource the resolver found as the operator's.
func (s *Strategy) owningResource(ctx context.Context, owner managedby.Resolution) (*unstructured.Unstructured, error) {
	d := owner.Details
	apiVersion, kind, name := d[managedby.DetailOperatorAPIVersion], d[managedby.DetailOperatorKind], d[managedby.DetailOperatorName]
	if apiVersion == "" || kind == "" || name == "" {
		return nil, action.Refuse(ReasonNotOperatorManaged, false,
			"%s is operator-managed by OLM labels only; no owning custom resource to change", owner.Workload)
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, fmt.Errorf("owner apiVersion %q: %w", apiVersion, err)
	}
	cr := &unstructured.Unstructured{}
	cr.SetGroupVersionKind(gv.WithKind(kind))
	// The client leaves the namespace out for a cluster-scoped kind (it asks the RESTMapper), so
	// one Get serves both scopes an owner may have.
	err = s.reader.Get(ctx, client.ObjectKey{Namespace: owner.Workload.Namespace, Name: name}, cr)
	if apierrors.IsNotFound(err) {
		return nil, action.Refuse(ReasonOwnerNotFound, false, "%s is owned by %s %s, which does not exist (any more); nothing operates it",
			owner.Workload, kind, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", kind, name, err)
	}
	return cr, nil
}

// newValue is the field's new value for the action.
func (s *Strategy) newValue(act action.Action, old any, found bool, kind string) (any, error) {
	switch act.Type {
	case action.Restart:
		return s.now().UTC().Format(time.RFC3339), nil
	case action.Scale:
		cur, ok := asInt(old)
		if !found || !ok {
			return nil, action.Refuse(ReasonNoCurrentValue, false, "the mapped replicas field of %s has no number to scale from", kind)
		}
		want := int64(act.Replicas)
		if want == 0 {
			want = cur + 1
		}
		if want > int64(s.opts.MaxReplicas) {
			return nil, action.Refuse(ReasonAtCeiling, false, "%d replicas would exceed the maximum of %d", want, s.opts.MaxReplicas)
		}
		return want, nil
	case action.SetMemoryLimit:
		str, _ := old.(string)
		q, err := resource.ParseQuantity(str)
		if !found || err != nil {
			return nil, action.Refuse(ReasonNoCurrentValue, false, "the mapped memory field of %s has no quantity to raise (%v)", kind, old)
		}
		return raiseMemory(q, s.opts.MemoryFactor, s.opts.MemoryCeiling)
	}
	return nil, action.Refuse(ReasonNoFieldMapping, false, "the operator strategy does not carry out %s", act.Type)
}

// raiseMemory multiplies q by factor, rounded up to a whole Mi, capped at ceiling.
func raiseMemory(q resource.Quantity, factor float64, ceiling resource.Quantity) (string, error) {
	if q.Cmp(ceiling) >= 0 {
		return "", action.Refuse(ReasonAtCeiling, false, "the memory limit %s is already at the ceiling %s", q.String(), ceiling.String())
	}
	const mi = 1 << 20
	raised := int64(math.Ceil(float64(q.Value())*factor/mi)) * mi
	if raised > ceiling.Value() {
		raised = ceiling.Value()
	}
	return resource.NewQuantity(raised, resource.BinarySI).String(), nil
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), n == math.Trunc(n)
	}
	return 0, false
}

// splitPointer splits a JSON Pointer into keys, unescaping ~1 and ~0.
func splitPointer(p string) []string {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts
}

// mergePatch is the JSON merge patch that sets path to value (null removes it).
func mergePatch(path []string, value any) string {
	var v any = value
	for i := len(path) - 1; i >= 0; i-- {
		v = map[string]any{path[i]: v}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func display(v any, found bool) any {
	if !found {
		return "(unset)"
	}
	return v
}
