package guardrail

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// ErrNotPatchable means a change's operation is not one the Writer makes (an external change
// belongs to its strategy).
var ErrNotPatchable = errors.New("change is not made at the API server")

// Writer makes recorded changes at the API server, only under a live Permit.
type Writer struct {
	client   client.Client
	recorder events.EventRecorder
	metrics  *telemetry.Metrics
	log      logr.Logger
}

// NewWriter returns the engine's one writing path. recorder emits Events on targets.
func NewWriter(c client.Client, recorder events.EventRecorder, metrics *telemetry.Metrics, log logr.Logger) *Writer {
	return &Writer{client: c, recorder: recorder, metrics: metrics, log: log}
}

// Apply makes ch under p: it patches or evicts ch.Object, then emits a Normal Remediated Event
// on it, counts the action and logs one line. A failed change emits a Warning Event and returns
// the API server's error wrapped. A refused permit returns its *action.Refusal.
func (w *Writer) Apply(ctx context.Context, p *Permit, ch v1alpha1.Change) error {
	return w.write(ctx, p, ch, ch.Patch, false)
}

// Undo reverts ch under p with its Undo patch, emitting a RemediationUndone Event.
func (w *Writer) Undo(ctx context.Context, p *Permit, ch v1alpha1.Change) error {
	if ch.Undo == "" {
		return fmt.Errorf("undo %s: %w", ch.Summary, errors.New("the change cannot be undone"))
	}
	return w.write(ctx, p, ch, ch.Undo, true)
}

// External makes a change that is not one API-server write (a Git commit and push, a Helm
// upgrade) under p: do runs only while p is live, and the Event, the metric and the log line are
// those of Apply (or of Undo when undo is set). do makes the change; the Writer owns the record.
func (w *Writer) External(ctx context.Context, p *Permit, ch v1alpha1.Change, undo bool, do func(context.Context) error) error {
	if err := p.Live(); err != nil {
		return err
	}
	return w.record(p, ch, undo, do(ctx))
}

// DryRun sends ch to the API server as a dry run, so admission and validation judge it, and
// changes nothing. It needs no permit.
func (w *Writer) DryRun(ctx context.Context, ch v1alpha1.Change) error {
	switch ch.Operation {
	case v1alpha1.OperationPatch:
		obj := objectFor(ch.Object)
		if err := w.client.Patch(ctx, obj, client.RawPatch(types.PatchType(ch.PatchType), []byte(ch.Patch)), client.DryRunAll); err != nil {
			return fmt.Errorf("dry run %s: %w", ch.Summary, err)
		}
		return nil
	case v1alpha1.OperationEvict:
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ch.Object.Namespace, Name: ch.Object.Name}}
		ev := &policyv1.Eviction{DeleteOptions: &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}}
		if err := w.client.SubResource("eviction").Create(ctx, pod, ev); err != nil {
			return fmt.Errorf("dry run %s: %w", ch.Summary, err)
		}
		return nil
	}
	return fmt.Errorf("dry run %s: %w", ch.Summary, ErrNotPatchable)
}

// Refused emits a Warning RemediationRefused Event on obj saying why act may not go ahead.
func (w *Writer) Refused(obj v1alpha1.ObjectRef, act action.Action, why error) {
	w.recorder.Eventf(objectFor(obj), nil, corev1.EventTypeWarning, v1alpha1.EventRemediationRefused, string(act.Type),
		"%s refused (workflow %s, incident %s): %v", act.Type, act.Workflow, act.Incident, why)
}

// Failed emits a Warning RemediationFailed Event on obj.
func (w *Writer) Failed(obj v1alpha1.ObjectRef, act action.Action, why string) {
	w.recorder.Eventf(objectFor(obj), nil, corev1.EventTypeWarning, v1alpha1.EventRemediationFailed, string(act.Type),
		"%s did not heal the target (workflow %s, incident %s): %s", act.Type, act.Workflow, act.Incident, why)
}

func (w *Writer) write(ctx context.Context, p *Permit, ch v1alpha1.Change, patch string, undo bool) error {
	if err := p.Live(); err != nil {
		return err
	}
	var err error
	switch ch.Operation {
	case v1alpha1.OperationPatch:
		err = w.client.Patch(ctx, objectFor(ch.Object), client.RawPatch(types.PatchType(ch.PatchType), []byte(patch)))
	case v1alpha1.OperationEvict:
		err = w.evict(ctx, ch.Object)
	default:
		err = ErrNotPatchable
	}
	return w.record(p, ch, undo, err)
}

// record emits the Event, counts the action and logs the line for a change made (err nil) or
// failed under p.
func (w *Writer) record(p *Permit, ch v1alpha1.Change, undo bool, err error) error {
	act := p.Action()
	obj := objectFor(ch.Object)
	log := w.log.WithValues("action", act.Type, "object", ch.Object.Kind+"/"+ch.Object.Namespace+"/"+ch.Object.Name,
		"workflow", act.Workflow, "incident", act.Incident, "strategy", ch.Strategy, "undo", undo)
	var wait *action.Refusal
	if errors.As(err, &wait) && wait.Retryable {
		// The owner is busy (an operation running, a window closed): the change waits and is
		// tried again, which is no failure to report on the object every few seconds.
		log.V(1).Info("Change waits", "reason", wait.Reason, "message", wait.Message)
		return fmt.Errorf("%s %s: %w", verb(undo), ch.Summary, err)
	}
	if err != nil {
		log.Error(err, "Change failed")
		w.recorder.Eventf(obj, nil, corev1.EventTypeWarning, v1alpha1.EventRemediationFailed, string(act.Type),
			"%s failed (workflow %s): %v", ch.Summary, act.Workflow, err)
		return fmt.Errorf("%s %s: %w", verb(undo), ch.Summary, err)
	}
	reason, note := v1alpha1.EventRemediated, ch.Summary
	if undo {
		reason, note = v1alpha1.EventRemediationUndone, "undid: "+ch.Summary
	} else {
		w.metrics.Actions.WithLabelValues(string(act.Type), metricSource(act.Source)).Inc()
	}
	w.recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, string(act.Type), "%s (workflow %s, incident %s, source %s)",
		note, act.Workflow, act.Incident, act.Source)
	log.Info("Changed")
	return nil
}

// evict evicts the pod; a pod that is already gone (or replaced) counts as evicted, which makes
// re-applying an eviction after a restart harmless.
func (w *Writer) evict(ctx context.Context, ref v1alpha1.ObjectRef) error {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name}}
	ev := &policyv1.Eviction{}
	if ref.UID != "" {
		uid := types.UID(ref.UID)
		ev.DeleteOptions = &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
	}
	err := w.client.SubResource("eviction").Create(ctx, pod, ev)
	if apierrors.IsNotFound(err) || (ref.UID != "" && apierrors.IsConflict(err)) {
		return nil
	}
	return err
}

func objectFor(ref v1alpha1.ObjectRef) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(ref.APIVersion)
	u.SetKind(ref.Kind)
	u.SetNamespace(ref.Namespace)
	u.SetName(ref.Name)
	u.SetUID(types.UID(ref.UID))
	return u
}

// metricSource folds the sources into the three the dashboards know.
func metricSource(s v1alpha1.Source) string {
	switch s {
	case v1alpha1.SourceAIDriven:
		return string(v1alpha1.SourceAIDriven)
	case v1alpha1.SourceManual:
		return string(v1alpha1.SourceManual)
	default:
		return string(v1alpha1.SourceDeterministic)
	}
}

func verb(undo bool) string {
	if undo {
		return "undo"
	}
	return "apply"
}
