package chartvalues

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
)

// maxProofs caps the renderings FindPath makes to prove candidates.
const maxProofs = 16

// Override is a values path proven to set a workload's field, and the value that sets it.
type Override struct {
	// Path is where in the values.
	Path Path
	// Value is what to put there: the new value, or the part of it (an image's tag) the path
	// holds.
	Value any
	// Old is the value at Path in the merged values (chart defaults under user values) before.
	Old any
}

// String is "resources.limits.memory=96Mi".
func (o Override) String() string { return fmt.Sprintf("%s=%v", o.Path, o.Value) }

// FindPath finds the values path that sets field of w's container from current to next when ch
// is rendered with values (the user-supplied values; the chart's defaults are merged under them)
// plus the override, as release rel. Candidates are the leaves of the merged values equal to
// current (for an image: the image, its tag or its repository), paths ending like
// resources.limits.memory or image.tag first; each is proven by rendering, and the first whose
// rendering changes exactly that field of that container of w — nothing else in w — wins.
//
// It returns an *action.Refusal with v1alpha1.ReasonNoValuesPath, naming the candidates tried,
// when no candidate is proven (a limit written in the template, a value shared by two
// containers), and an error when the chart does not render or does not render w with the field.
func FindPath(ch *chart.Chart, values map[string]any, rel Release, w Workload, field Field, current, next string) (Override, error) {
	if w.Namespace == "" {
		w.Namespace = rel.Namespace
	}
	base, err := Render(ch, values, rel)
	if err != nil {
		return Override{}, err
	}
	before, err := fieldOf(base, w, field)
	if err != nil {
		return Override{}, err
	}
	if !field.equal(before, current) {
		return Override{}, action.Refuse(v1alpha1.ReasonNoValuesPath, false,
			"chart %s renders the %s of %s as %v, not the live %s: the release does not describe the workload",
			ch.Name(), field, target(w, field), before, current)
	}
	merged, err := util.CoalesceValues(ch, values)
	if err != nil {
		return Override{}, fmt.Errorf("merge values of chart %s: %w", ch.Name(), err)
	}
	cands := candidates(merged, field, current, next)
	var tried []string
	for i, c := range cands {
		if i == maxProofs {
			tried = append(tried, fmt.Sprintf("(%d more not tried)", len(cands)-i))
			break
		}
		ok, why, err := prove(ch, values, rel, base, w, field, c, next)
		if err != nil {
			return Override{}, err
		}
		if ok {
			return c, nil
		}
		tried = append(tried, c.String()+" ("+why+")")
	}
	if len(tried) == 0 {
		tried = append(tried, fmt.Sprintf("no value of the chart equals %s", current))
	}
	return Override{}, action.Refuse(v1alpha1.ReasonNoValuesPath, false,
		"no values path of chart %s sets the %s of %s: tried %s", ch.Name(), field, target(w, field), strings.Join(tried, "; "))
}

// candidates are the leaves of merged that hold current (or the part of it the field matches),
// preferred path endings first, then shorter paths, then in dotted order.
func candidates(merged map[string]any, field Field, current, next string) []Override {
	var out []Override
	leaves(merged, nil, func(p Path, v any) {
		for _, to := range field.overrides(v, current, next) {
			out = append(out, Override{Path: p, Value: to, Old: v})
		}
	})
	rank := func(p Path) int {
		for i, suffix := range preferred[field] {
			if p.HasSuffix(suffix) {
				return i
			}
		}
		return len(preferred[field])
	}
	slices.SortStableFunc(out, func(a, b Override) int {
		return cmp.Or(cmp.Compare(rank(a.Path), rank(b.Path)), cmp.Compare(len(a.Path), len(b.Path)),
			cmp.Compare(a.Path.String(), b.Path.String()))
	})
	return out
}

// prove renders ch with c over values and says whether w's rendering differs from base's in
// exactly the field, now next; why says what else happened when not.
func prove(ch *chart.Chart, values map[string]any, rel Release, base Manifests, w Workload, field Field, c Override, next string) (bool, string, error) {
	got, err := Render(ch, SetPath(values, c.Path, c.Value), rel)
	if err != nil {
		return false, "does not render: " + err.Error(), nil
	}
	after, err := fieldOf(got, w, field)
	if err != nil {
		return false, "the workload is not rendered with it", nil
	}
	if !field.equal(after, next) {
		return false, fmt.Sprintf("renders %v", after), nil
	}
	was, _ := base.find(w)
	now, _ := got.find(w)
	expect := deepCopy(was.object)
	field.write(expect, w.Container, after)
	if !reflect.DeepEqual(expect, now.object) {
		return false, "changes more of " + w.Kind + " " + w.Name + " than the " + string(field), nil
	}
	return true, "", nil
}

// fieldOf reads field of w in ms; an error when w or its container is not rendered.
func fieldOf(ms Manifests, w Workload, field Field) (any, error) {
	m, ok := ms.find(w)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not rendered", ErrNotRendered, w)
	}
	v, ok := field.read(m.object, w.Container)
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %s", ErrNotRendered, target(w, field), field)
	}
	return v, nil
}

// target names the field's owner: the container, or the workload for replicas.
func target(w Workload, field Field) string {
	if field == FieldReplicas || w.Container == "" {
		return w.String()
	}
	return "container " + w.Container + " of " + w.String()
}

func deepCopy(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, x := range v {
		out[k] = deepCopyValue(x)
	}
	return out
}

func deepCopyValue(x any) any {
	switch t := x.(type) {
	case map[string]any:
		return deepCopy(t)
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopyValue(e)
		}
		return l
	}
	return x
}
