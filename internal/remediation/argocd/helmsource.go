package argocd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

// helmSource is a Helm chart in Git as Argo CD renders it: the chart, the merged value files,
// and what the Application sets on top of them.
type helmSource struct {
	chart *chart.Chart
	// values are the value files merged, then the Application's own values over them.
	values map[string]any
	// overrides are the Application's own values (parameters, values, valuesObject) alone.
	overrides map[string]any
	// files are the value files, relative to the repository root, in precedence order.
	files []string
	rel   chartvalues.Release
}

// loadHelm loads the chart at the source path with its value files as Argo CD passes them.
func loadHelm(ws *workspace, app Application, src Source) (helmSource, error) {
	dir := filepath.Join(ws.src.Root, filepath.FromSlash(ws.src.Path))
	ch, err := loader.Load(dir)
	if err != nil {
		return helmSource{}, fmt.Errorf("load chart %s: %w", ws.src.Path, err)
	}
	h := helmSource{chart: ch, values: map[string]any{}, overrides: map[string]any{},
		rel: chartvalues.Release{Name: app.Name, Namespace: app.Destination.Namespace}}
	opts := src.Helm
	if opts == nil {
		opts = &Helm{}
	}
	if opts.ReleaseName != "" {
		h.rel.Name = opts.ReleaseName
	}
	for _, f := range opts.ValueFiles {
		if strings.HasPrefix(f, "$") || path.IsAbs(f) || strings.HasPrefix(path.Clean(path.Join(ws.src.Path, f)), "..") {
			return h, action.Refuse(v1alpha1.ReasonSourceUnsupported, false,
				"value file %s of Application %s is outside the chart's repository path; the engine edits only value files beside the chart", f, app.Ref())
		}
		rel := path.Clean(path.Join(ws.src.Path, f))
		raw, err := os.ReadFile(filepath.Join(ws.src.Root, filepath.FromSlash(rel)))
		if errors.Is(err, os.ErrNotExist) && opts.IgnoreMissingValueFiles {
			continue
		}
		if err != nil {
			return h, fmt.Errorf("value file %s: %w", f, err)
		}
		var v map[string]any
		if err := yaml.Unmarshal(raw, &v); err != nil {
			return h, fmt.Errorf("value file %s: %w", f, err)
		}
		h.values = merge(h.values, v)
		h.files = append(h.files, rel)
	}
	if err := overridesOf(opts, h.overrides); err != nil {
		return h, fmt.Errorf("helm values of Application %s: %w", app.Ref(), err)
	}
	h.values = merge(h.values, h.overrides)
	return h, nil
}

// overridesOf collects the Application's own Helm values in Argo CD's order: valuesObject (or
// values), then parameters.
func overridesOf(h *Helm, into map[string]any) error {
	inline := h.ValuesObject
	if inline == nil && h.Values != "" {
		if err := yaml.Unmarshal([]byte(h.Values), &inline); err != nil {
			return fmt.Errorf("helm.values: %w", err)
		}
	}
	for k, v := range merge(map[string]any{}, inline) {
		into[k] = v
	}
	for _, p := range h.Parameters {
		set := strvals.ParseInto
		if p.ForceString {
			set = strvals.ParseIntoString
		}
		if err := set(p.Name+"="+p.Value, into); err != nil {
			return fmt.Errorf("helm.parameters %s: %w", p.Name, err)
		}
	}
	return nil
}

// helmPath finds the values path that sets e's field and the value file to write it in.
func (s *Strategy) helmPath(ws *workspace, app Application, src Source, e edit) (edit, error) {
	h, err := loadHelm(ws, app, src)
	if err != nil {
		return e, err
	}
	field := map[manifestedit.Field]chartvalues.Field{manifestedit.FieldMemoryLimit: chartvalues.FieldMemoryLimit,
		manifestedit.FieldImage: chartvalues.FieldImage, manifestedit.FieldReplicas: chartvalues.FieldReplicas}[e.field]
	w := chartvalues.Workload{Kind: e.target.Kind, Namespace: e.target.Namespace, Name: e.target.Name, Container: e.target.Container}
	ov, err := chartvalues.FindPath(h.chart, h.values, h.rel, w, field, e.old, e.value)
	if err != nil {
		return e, err
	}
	if _, set := chartvalues.Lookup(h.overrides, ov.Path); set {
		return e, action.Refuse(v1alpha1.ReasonNotInSource, false,
			"%s of %s is set by Application %s's own helm parameters or values, which override every value file: change the Application",
			ov.Path, w, app.Ref())
	}
	e.valuesPath, e.helmValue = ov.Path.String(), fmt.Sprint(ov.Value)
	e.valuesFile = h.fileFor(ws, ov.Path)
	return e, nil
}

// fileFor is the value file to write p in: the last (winning) value file that sets it, else the
// last value file, else the chart's values.yaml.
func (h helmSource) fileFor(ws *workspace, p chartvalues.Path) string {
	for i := len(h.files) - 1; i >= 0; i-- {
		if v, err := readValues(ws, h.files[i]); err == nil {
			if _, ok := chartvalues.Lookup(v, p); ok {
				return h.files[i]
			}
		}
	}
	if len(h.files) > 0 {
		return h.files[len(h.files)-1]
	}
	return path.Join(ws.src.Path, "values.yaml")
}

// helmPreviousImage finds the image to roll back to in the history of the value file that sets
// the image: the newest earlier version with another value at the image's path.
func (s *Strategy) helmPreviousImage(ctx context.Context, ws *workspace, app Application, src Source, e edit) (edit, error) {
	current, container, err := s.liveImage(ctx, e.target)
	if err != nil {
		return e, err
	}
	e.target.Container, e.old = container, current
	name, _, _ := strings.Cut(current, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	probe := e
	probe.value = name + ":coordination-engine-probe"
	probe, err = s.helmPath(ws, app, src, probe)
	if err != nil {
		return e, err
	}
	tagOnly := probe.helmValue == "coordination-engine-probe"
	now, _ := readValues(ws, probe.valuesFile)
	nowValue, _ := chartvalues.Lookup(now, chartvalues.ParsePath(probe.valuesPath))
	revs, err := ws.repo.FileHistory(ctx, probe.valuesFile, s.opts.HistoryLimit)
	if err != nil {
		return e, fmt.Errorf("history of %s: %w", probe.valuesFile, err)
	}
	for _, rev := range revs {
		var v map[string]any
		if rev.Deleted || yaml.Unmarshal(rev.Content, &v) != nil {
			continue
		}
		old, ok := chartvalues.Lookup(v, chartvalues.ParsePath(probe.valuesPath))
		if !ok || fmt.Sprint(old) == fmt.Sprint(nowValue) || fmt.Sprint(old) == "" {
			continue
		}
		e.valuesFile, e.valuesPath, e.helmValue = probe.valuesFile, probe.valuesPath, fmt.Sprint(old)
		e.value = e.helmValue
		if tagOnly {
			e.value = name + ":" + e.helmValue
		}
		return e, nil
	}
	return e, action.Refuse(v1alpha1.ReasonNoPreviousRevision, false,
		"the Git history of %s has no earlier value of %s for %s", probe.valuesFile, probe.valuesPath, e.target)
}

// liveImage is the image of the target's container (the named one, or the only one).
func (s *Strategy) liveImage(ctx context.Context, t manifestedit.Target) (string, string, error) {
	var d appsv1.Deployment
	if t.Kind != "Deployment" {
		return "", "", action.Refuse(v1alpha1.ReasonUnsupportedTarget, false, "image rollbacks through a Helm source are done for Deployments; %s is a %s", t, t.Kind)
	}
	if err := s.reader.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: t.Name}, &d); err != nil {
		return "", "", fmt.Errorf("read %s: %w", t, err)
	}
	cs := d.Spec.Template.Spec.Containers
	for _, c := range cs {
		if c.Name == t.Container || (t.Container == "" && len(cs) == 1) {
			return c.Image, c.Name, nil
		}
	}
	return "", "", action.Refuse(v1alpha1.ReasonContainerRequired, false, "%s has %d containers; name the one to roll back", t, len(cs))
}

func readValues(ws *workspace, file string) (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(ws.src.Root, filepath.FromSlash(file)))
	if err != nil {
		return nil, err
	}
	var v map[string]any
	return v, yaml.Unmarshal(raw, &v)
}

// merge merges b over a, maps recursively, as Helm merges value files; neither is changed.
func merge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = merge(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
