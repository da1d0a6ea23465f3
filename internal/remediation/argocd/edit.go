package argocd

import (
	"context"
	"errors"
	"fmt"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

// edit is a change of one field of the target in the source, decided at plan time and made
// again, the same, when applied.
type edit struct {
	target manifestedit.Target
	field  manifestedit.Field
	// value is the new value; old the value it replaces (for people).
	value, old string
	// valuesFile and valuesPath say where a Helm source gets the value.
	valuesFile, valuesPath string
	// helmValue is what goes at valuesPath (an image's tag alone, when that is what the path holds).
	helmValue string
}

// describe names the edited field for people: "the memory limit of container app of
// Deployment shop/web".
func (e edit) describe() string {
	switch e.field {
	case manifestedit.FieldMemoryLimit:
		return fmt.Sprintf("the memory limit of container %s of %s", e.target.Container, e.target)
	case manifestedit.FieldImage:
		if e.target.Container == "" {
			return fmt.Sprintf("the image of %s", e.target)
		}
		return fmt.Sprintf("the image of container %s of %s", e.target.Container, e.target)
	case manifestedit.FieldReplicas:
		return fmt.Sprintf("the replicas of %s", e.target)
	}
	return fmt.Sprintf("the restart annotation of %s", e.target)
}

// decide chooses the edit that carries act out on the target in ws: the memory limit the
// direct strategy's rules give, the image of the previous version of the file that decides it,
// one more replica, or a restart annotation.
func (s *Strategy) decide(ctx context.Context, ws *workspace, app Application, src Source, act action.Action, owner managedby.Resolution) (edit, error) {
	w := owner.Workload
	e := edit{target: manifestedit.Target{APIVersion: w.APIVersion, Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Container: act.Container}}
	helm := ws.src.Type == manifestedit.SourceHelm
	switch act.Type {
	case action.SetMemoryLimit:
		raise, err := s.memory.PlanMemory(ctx, w, act.Container)
		if err != nil {
			return e, err
		}
		e.target.Container, e.field, e.value, e.old = raise.Container, manifestedit.FieldMemoryLimit, raise.Next.String(), raise.Current.String()
	case action.Rollback:
		e.field = manifestedit.FieldImage
		if helm {
			return s.helmPreviousImage(ctx, ws, app, src, e)
		}
		prev, err := manifestedit.PreviousImage(ctx, ws.src, e.target, ws.repo, s.opts.HistoryLimit)
		if err != nil {
			return e, editRefusal(err, e.target, ws)
		}
		e.value, e.old = prev.Image, prev.Current
		return e, nil
	case action.Scale:
		n, err := s.replicas(ctx, w)
		if err != nil {
			return e, err
		}
		want := act.Replicas
		if want == 0 {
			want = n + 1
		}
		if want > s.opts.MaxReplicas {
			want = s.opts.MaxReplicas
		}
		if want <= n {
			return e, action.Refuse(v1alpha1.ReasonAtMaxReplicas, false, "%s has %d replicas; the most the engine sets is %d", w, n, s.opts.MaxReplicas)
		}
		e.field, e.value, e.old = manifestedit.FieldReplicas, fmt.Sprint(want), fmt.Sprint(n)
	case action.Restart:
		if helm {
			return e, action.Refuse(v1alpha1.ReasonUnsupportedAction, false,
				"%s is rendered from a Helm chart by Argo CD; a restart is not a change of its values: restart it by hand or let a rollback or resize do it", w)
		}
		e.field, e.value = manifestedit.FieldRestartedAt, manifestedit.RestartedAt(s.now()).Value
	default:
		return e, action.Refuse(v1alpha1.ReasonUnsupportedAction, false, "the Argo CD strategy does not carry out %s", act.Type)
	}
	if helm {
		return s.helmPath(ws, app, src, e)
	}
	return e, nil
}

// make writes the edit into ws's files and says what changed (nothing when the source has the
// value already).
func (s *Strategy) make(ctx context.Context, ws *workspace, e edit) (manifestedit.Result, error) {
	if e.valuesPath != "" {
		r, err := manifestedit.SetValuesPath(ctx, ws.src.Root, e.valuesFile, e.valuesPath, e.helmValue)
		if err != nil {
			return r, editRefusal(err, e.target, ws)
		}
		return r, nil
	}
	r, err := manifestedit.Apply(ctx, ws.src, e.target, manifestedit.Edit{Field: e.field, Value: e.value})
	if err != nil {
		return r, editRefusal(err, e.target, ws)
	}
	return r, nil
}

// replicas is the live workload's replica count; only Deployments and StatefulSets are scaled.
func (s *Strategy) replicas(ctx context.Context, w managedby.Object) (int32, error) {
	if w.Kind != "Deployment" && w.Kind != "StatefulSet" {
		return 0, action.Refuse(v1alpha1.ReasonUnsupportedTarget, false, "%s has no replica count to scale", w)
	}
	n, err := s.memory.Replicas(ctx, w)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", w, err)
	}
	return n, nil
}

// editRefusal turns manifestedit's errors into refusals that say what to do.
func editRefusal(err error, t manifestedit.Target, ws *workspace) error {
	where := fmt.Sprintf("%s (path %q)", ws.repo.Remote().URL, ws.src.Path)
	switch {
	case errors.Is(err, manifestedit.ErrNotInSource), errors.Is(err, manifestedit.ErrTargetNotFound):
		return action.Refuse(v1alpha1.ReasonNotInSource, false, "no file of %s decides that field of %s: %v", where, t, err)
	case errors.Is(err, manifestedit.ErrNoPreviousRevision):
		return action.Refuse(v1alpha1.ReasonNoPreviousRevision, false, "the Git history of %s has no earlier image of %s: %v", where, t, err)
	case errors.Is(err, manifestedit.ErrUnsupportedSource):
		return action.Refuse(v1alpha1.ReasonSourceUnsupported, false, "%s: %v", where, err)
	}
	return err
}
