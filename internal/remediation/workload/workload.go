package workload

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// Name is the strategy's name, recorded in Change.Strategy.
const Name = "direct"

// Strategy carries out actions on workloads nothing else manages by patching them directly.
type Strategy struct {
	reader client.Reader
	writer *guardrail.Writer
	opts   Options
	clock  func() time.Time
}

var _ remediation.Strategy = (*Strategy)(nil)

// New returns the direct strategy. reader reads workloads, their revisions, LimitRanges,
// ResourceQuotas and HorizontalPodAutoscalers; writer makes the changes; clock fixes restart
// times (time.Now when nil).
func New(reader client.Reader, writer *guardrail.Writer, opts Options, clock func() time.Time) *Strategy {
	if clock == nil {
		clock = time.Now
	}
	return &Strategy{reader: reader, writer: writer, opts: opts.withDefaults(), clock: clock}
}

// Plan computes the change that carries out act on owner.Workload (on owner.Target, a Pod, for
// evict) and changes nothing. It returns an *action.Refusal when the target is not deployed by
// hand (argocd, flux, helm, operator, unknown), when the action does not fit the target, or when
// the change would break a bound (see the Reason constants); other errors are read failures.
func (s *Strategy) Plan(ctx context.Context, act action.Action, owner managedby.Resolution) (v1alpha1.Change, error) {
	if err := admit(owner); err != nil {
		return v1alpha1.Change{}, err
	}
	var (
		ch  v1alpha1.Change
		err error
	)
	switch act.Type {
	case action.Restart:
		ch, err = s.PlanRestart(ctx, owner.Workload)
	case action.Rollback:
		ch, err = s.planRollback(ctx, owner.Workload)
	case action.SetMemoryLimit:
		ch, err = s.planMemory(ctx, owner.Workload, act.Container)
	case action.Scale:
		ch, err = s.planScale(ctx, owner.Workload, act.Replicas)
	case action.Evict:
		ch, err = s.planEvict(ctx, owner)
	default:
		return v1alpha1.Change{}, action.Refuse(ReasonUnsupportedAction, false, "the direct strategy does not carry out %s", act.Type)
	}
	if err != nil {
		return v1alpha1.Change{}, err
	}
	ch.Strategy = Name
	return ch, nil
}

// Apply makes change through the Writer under p. Applying a recorded change again has no
// further effect. An eviction that a PodDisruptionBudget blocks returns an error wrapping
// ErrEvictionBlocked and the API server's 429, which the executor may retry.
func (s *Strategy) Apply(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change) error {
	if change.Strategy != Name {
		return fmt.Errorf("apply %s: %w", change.Summary, ErrForeignChange)
	}
	err := s.writer.Apply(ctx, p, change)
	if err != nil && change.Operation == v1alpha1.OperationEvict && apierrors.IsTooManyRequests(err) {
		return fmt.Errorf("%w: %w", ErrEvictionBlocked, err)
	}
	return err
}

// Undo reverts change through the Writer under p with its recorded undo patch; restarts and
// evictions cannot be undone and return an error.
func (s *Strategy) Undo(ctx context.Context, p *guardrail.Permit, change v1alpha1.Change) error {
	if change.Strategy != Name {
		return fmt.Errorf("undo %s: %w", change.Summary, ErrForeignChange)
	}
	return s.writer.Undo(ctx, p, change)
}

// Replicas is the number of pods the workload runs (spec.replicas, a DaemonSet's desired
// count, 1 for a Pod): what the safety gate's blast-radius check needs.
func (s *Strategy) Replicas(ctx context.Context, workload managedby.Object) (int32, error) {
	if workload.Kind == "Pod" {
		return 1, nil
	}
	obj, err := s.getWorkload(ctx, workload)
	if err != nil {
		return 0, err
	}
	return replicasOf(obj), nil
}

// admit refuses every target that is not deployed by hand, saying who owns it.
func admit(owner managedby.Resolution) error {
	d, w := owner.Details, owner.Workload
	switch owner.Method {
	case managedby.Manual:
		return nil
	case managedby.ArgoCD:
		app := qualified(d[managedby.DetailArgoCDNamespace], d[managedby.DetailArgoCDApplication])
		return action.Refuse(ReasonGitOpsManaged, false,
			"%s is managed by Argo CD Application %s: never patched live (Argo CD would revert it); change it in Git and sync", w, app)
	case managedby.Flux:
		obj := d[managedby.DetailFluxKind] + " " + qualified(d[managedby.DetailFluxNamespace], d[managedby.DetailFluxName])
		return action.Refuse(ReasonGitOpsManaged, false,
			"%s is managed by Flux %s: never patched live (Flux would revert it); change it in Git or the HelmRelease", w, obj)
	case managedby.Helm:
		rel := qualified(d[managedby.DetailHelmNamespace], d[managedby.DetailHelmRelease])
		return action.Refuse(ReasonHelmManaged, false,
			"%s belongs to Helm release %s: change it through the release (rollback or upgrade), not live", w, rel)
	case managedby.Operator:
		return action.Refuse(ReasonOperatorManaged, false,
			"%s is controlled by %s %s (%s): change the owning custom resource, the operator would revert a live patch",
			w, d[managedby.DetailOperatorKind], qualified(w.Namespace, d[managedby.DetailOperatorName]), d[managedby.DetailOperatorAPIVersion])
	}
	var gaps []string
	for _, e := range owner.Evidence {
		if e.Kind == managedby.EvidenceGap {
			gaps = append(gaps, e.Detail)
		}
	}
	if len(gaps) == 0 {
		gaps = []string{"no gap recorded"}
	}
	return action.Refuse(ReasonUnknownMethod, false,
		"how %s is deployed is unknown (method %q), so it is not patched: %s", w, owner.Method, strings.Join(gaps, "; "))
}

func qualified(namespace, name string) string {
	if name == "" {
		name = "(unnamed)"
	}
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// getWorkload reads a Deployment, StatefulSet or DaemonSet; other kinds are refused.
func (s *Strategy) getWorkload(ctx context.Context, w managedby.Object) (client.Object, error) {
	var obj client.Object
	switch {
	case w.APIVersion == "apps/v1" && w.Kind == "Deployment":
		obj = &appsv1.Deployment{}
	case w.APIVersion == "apps/v1" && w.Kind == "StatefulSet":
		obj = &appsv1.StatefulSet{}
	case w.APIVersion == "apps/v1" && w.Kind == "DaemonSet":
		obj = &appsv1.DaemonSet{}
	default:
		return nil, action.Refuse(ReasonUnsupportedTarget, false,
			"%s is not a Deployment, StatefulSet or DaemonSet (apps/v1)", w)
	}
	if err := s.reader.Get(ctx, client.ObjectKey{Namespace: w.Namespace, Name: w.Name}, obj); err != nil {
		return nil, fmt.Errorf("get %s: %w", w, err)
	}
	return obj, nil
}

// podTemplate returns the workload's pod template.
func podTemplate(obj client.Object) *corev1.PodTemplateSpec {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return &o.Spec.Template
	case *appsv1.StatefulSet:
		return &o.Spec.Template
	case *appsv1.DaemonSet:
		return &o.Spec.Template
	}
	return nil
}

// replicasOf is spec.replicas (default 1), or a DaemonSet's desired number of pods.
func replicasOf(obj client.Object) int32 {
	var r *int32
	switch o := obj.(type) {
	case *appsv1.Deployment:
		r = o.Spec.Replicas
	case *appsv1.StatefulSet:
		r = o.Spec.Replicas
	case *appsv1.DaemonSet:
		return o.Status.DesiredNumberScheduled
	}
	if r == nil {
		return 1
	}
	return *r
}

// kindOf names the kind of a typed workload (typed objects read by a client have no TypeMeta).
func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *appsv1.Deployment:
		return "Deployment"
	case *appsv1.StatefulSet:
		return "StatefulSet"
	case *appsv1.DaemonSet:
		return "DaemonSet"
	case *corev1.Pod:
		return "Pod"
	}
	return fmt.Sprintf("%T", obj)
}

// refOf names obj with its UID.
func refOf(apiVersion, kind string, obj client.Object) v1alpha1.ObjectRef {
	return v1alpha1.ObjectRef{APIVersion: apiVersion, Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: string(obj.GetUID())}
}

// workloadRef names a workload with its UID.
func workloadRef(obj client.Object) v1alpha1.ObjectRef { return refOf("apps/v1", kindOf(obj), obj) }

// describe is "Deployment shop/web".
func describe(ref v1alpha1.ObjectRef) string { return ref.Kind + " " + ref.Namespace + "/" + ref.Name }

// selectorOf is the workload's pod selector.
func selectorOf(obj client.Object) *metav1.LabelSelector {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return o.Spec.Selector
	case *appsv1.StatefulSet:
		return o.Spec.Selector
	case *appsv1.DaemonSet:
		return o.Spec.Selector
	}
	return nil
}
