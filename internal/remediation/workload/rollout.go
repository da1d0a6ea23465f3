package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/managedby"
)

// Annotation and label keys of the workload controllers' revision history.
const (
	// RevisionAnnotation numbers a Deployment's ReplicaSets.
	RevisionAnnotation = "deployment.kubernetes.io/revision"
	// podTemplateHashLabel is the label the Deployment controller adds to its ReplicaSets'
	// templates; it is dropped before a template goes back into the Deployment.
	podTemplateHashLabel = appsv1.DefaultDeploymentUniqueLabelKey
	// revisionHashLabel marks StatefulSet and DaemonSet pods with their ControllerRevision.
	revisionHashLabel = appsv1.ControllerRevisionHashLabelKey
)

// Revision is one recorded revision of a workload's pod template.
type Revision struct {
	// Number is the revision number; 0 for a live template no revision records yet.
	Number int64
	// Name is the ReplicaSet or ControllerRevision that records it.
	Name string
	// Images are the template's container images, in container order.
	Images []string
	// ReadyPods is how many of its pods are ready now.
	ReadyPods int32
}

// RolloutFacts is what the executor needs to choose between rollback and restart.
type RolloutFacts struct {
	// Current is the revision of the live pod template.
	Current Revision
	// Previous is the newest older revision (what `kubectl rollout undo` goes back to); nil
	// when there is none.
	Previous *Revision
	// PreviousHealthy says an older revision still has ready pods: the failure started with the
	// latest rollout while the revision before it was healthy, so a rollback is the fix.
	PreviousHealthy bool
	// Target is the revision a rollback would restore (see Plan); nil when a rollback would be
	// refused with NoPreviousRevision.
	Target *Revision
	// TargetReason says why Target was chosen.
	TargetReason string
	// Replicas is the workload's replica count, for the blast-radius check.
	Replicas int32
}

// Rollout reads workload's revision history (a Deployment's ReplicaSets, a StatefulSet's or
// DaemonSet's ControllerRevisions) and reports the current and previous revisions and whether
// an older one is healthy. Kinds other than those three are refused with UnsupportedTarget.
func (s *Strategy) Rollout(ctx context.Context, workload managedby.Object) (RolloutFacts, error) {
	obj, err := s.getWorkload(ctx, workload)
	if err != nil {
		return RolloutFacts{}, err
	}
	h, err := s.history(ctx, obj)
	if err != nil {
		return RolloutFacts{}, err
	}
	facts := RolloutFacts{Current: h.current.Revision, Replicas: replicasOf(obj)}
	if len(h.older) > 0 {
		prev := h.older[0].Revision
		facts.Previous = &prev
	}
	for _, r := range h.older {
		if r.ReadyPods > 0 {
			facts.PreviousHealthy = true
		}
	}
	if t, why, ok := chooseRevision(h.current, h.older); ok {
		facts.Target, facts.TargetReason = &t.Revision, why
	}
	return facts, nil
}

// revision is a Revision with what restoring it needs.
type revision struct {
	Revision
	template corev1.PodTemplateSpec
	// data is a ControllerRevision's strategic-merge patch; nil for ReplicaSets.
	data []byte
}

// history is a workload's live revision and its older ones, newest first.
type history struct {
	current revision
	older   []revision
}

// chooseRevision picks the revision to roll back to: the newest older revision with ready
// pods (the last one known to work), else the newest older one whose images differ from the
// current ones (an image pull failure), else the newest older one (kubectl's choice).
func chooseRevision(current revision, older []revision) (revision, string, bool) {
	for _, r := range older {
		if r.ReadyPods > 0 {
			return r, fmt.Sprintf("the newest older revision with ready pods (%d)", r.ReadyPods), true
		}
	}
	for _, r := range older {
		if !slices.Equal(r.Images, current.Images) {
			return r, "the newest older revision with other images", true
		}
	}
	if len(older) > 0 {
		return older[0], "the previous revision", true
	}
	return revision{}, "", false
}

// history reads obj's revisions. A revision whose template equals the live one is the current
// revision; the others are older.
func (s *Strategy) history(ctx context.Context, obj client.Object) (history, error) {
	var all []revision
	var err error
	if d, ok := obj.(*appsv1.Deployment); ok {
		all, err = s.replicaSetRevisions(ctx, d)
	} else {
		all, err = s.controllerRevisions(ctx, obj)
	}
	if err != nil {
		return history{}, err
	}
	live := podTemplate(obj)
	h := history{current: revision{template: *live.DeepCopy()}}
	h.current.Images = images(live)
	found := false
	for _, r := range all {
		if !found && sameTemplate(&r.template, live) {
			h.current.Revision = r.Revision
			h.current.Images = images(live)
			found = true
			continue
		}
		h.older = append(h.older, r)
	}
	sort.SliceStable(h.older, func(i, j int) bool { return h.older[i].Number > h.older[j].Number })
	return h, nil
}

// replicaSetRevisions lists the ReplicaSets d controls, by their revision annotation.
func (s *Strategy) replicaSetRevisions(ctx context.Context, d *appsv1.Deployment) ([]revision, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector of Deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	var list appsv1.ReplicaSetList
	if err := s.reader.List(ctx, &list, fromWatchCache{}, client.InNamespace(d.Namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("list ReplicaSets of Deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	var out []revision
	for i := range list.Items {
		rs := &list.Items[i]
		n, err := strconv.ParseInt(rs.Annotations[RevisionAnnotation], 10, 64)
		if err != nil || !metav1.IsControlledBy(rs, d) {
			continue
		}
		t := *rs.Spec.Template.DeepCopy()
		delete(t.Labels, podTemplateHashLabel)
		out = append(out, revision{
			Revision: Revision{Number: n, Name: rs.Name, Images: images(&t), ReadyPods: rs.Status.ReadyReplicas},
			template: t,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	return out, nil
}

// controllerRevisions lists the ControllerRevisions a StatefulSet or DaemonSet controls, and
// counts each revision's ready pods by their controller-revision-hash label.
func (s *Strategy) controllerRevisions(ctx context.Context, obj client.Object) ([]revision, error) {
	var selector *metav1.LabelSelector
	switch o := obj.(type) {
	case *appsv1.StatefulSet:
		selector = o.Spec.Selector
	case *appsv1.DaemonSet:
		selector = o.Spec.Selector
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, fmt.Errorf("selector of %s %s/%s: %w", kindOf(obj), obj.GetNamespace(), obj.GetName(), err)
	}
	var crs appsv1.ControllerRevisionList
	if err := s.reader.List(ctx, &crs, fromWatchCache{}, client.InNamespace(obj.GetNamespace()), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("list ControllerRevisions of %s %s/%s: %w", kindOf(obj), obj.GetNamespace(), obj.GetName(), err)
	}
	var pods corev1.PodList
	if err := s.reader.List(ctx, &pods, fromWatchCache{}, client.InNamespace(obj.GetNamespace()), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("list pods of %s %s/%s: %w", kindOf(obj), obj.GetNamespace(), obj.GetName(), err)
	}
	ready := map[string]int32{}
	for i := range pods.Items {
		p := &pods.Items[i]
		if metav1.IsControlledBy(p, obj) && podReady(p) && p.DeletionTimestamp == nil {
			ready[p.Labels[revisionHashLabel]]++
		}
	}
	var out []revision
	for i := range crs.Items {
		cr := &crs.Items[i]
		if !metav1.IsControlledBy(cr, obj) {
			continue
		}
		var data struct {
			Spec struct {
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(cr.Data.Raw, &data); err != nil {
			return nil, fmt.Errorf("decode ControllerRevision %s/%s: %w", cr.Namespace, cr.Name, err)
		}
		n := ready[cr.Name]
		if h := cr.Labels[revisionHashLabel]; h != "" && h != cr.Name {
			n += ready[h]
		}
		t := data.Spec.Template
		out = append(out, revision{
			Revision: Revision{Number: cr.Revision, Name: cr.Name, Images: images(&t), ReadyPods: n},
			template: t,
			data:     cr.Data.Raw,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	return out, nil
}

// sameTemplate compares pod templates ignoring the pod-template-hash label.
func sameTemplate(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, podTemplateHashLabel)
	delete(b.Labels, podTemplateHashLabel)
	return apiequality.Semantic.DeepEqual(a, b)
}

func images(t *corev1.PodTemplateSpec) []string {
	out := make([]string, 0, len(t.Spec.Containers))
	for _, c := range t.Spec.Containers {
		out = append(out, c.Image)
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
