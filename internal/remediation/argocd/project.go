package argocd

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// AppProjectGVK is Argo CD's AppProject kind.
var AppProjectGVK = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "AppProject"}

// Project is what the strategy needs of an Argo CD AppProject: its sync windows.
type Project struct {
	Namespace, Name string
	SyncWindows     []SyncWindow
}

// SyncWindow is one spec.syncWindows entry of an AppProject.
type SyncWindow struct {
	// Kind is allow or deny.
	Kind string
	// Schedule (five-field cron) starts the window, in TimeZone (UTC when empty or unknown),
	// and it lasts Duration (a Go duration: 1h, 30m).
	Schedule, Duration, TimeZone string
	// Applications, Namespaces and Clusters select the Applications it applies to (globs);
	// AndOperator requires every set selector to match instead of any.
	Applications, Namespaces, Clusters []string
	AndOperator                        bool
	// ManualSync lets manual syncs through while the window blocks.
	ManualSync bool
	// Description says what the window is for.
	Description string
}

// String names the window for refusals: "deny 0 22 * * * for 8h (freeze)".
func (w SyncWindow) String() string {
	s := fmt.Sprintf("%s %q for %s", w.Kind, w.Schedule, w.Duration)
	if w.TimeZone != "" {
		s += " " + w.TimeZone
	}
	if w.Description != "" {
		s += " (" + w.Description + ")"
	}
	return s
}

// ReadProject gets the AppProject namespace/name and parses it.
func ReadProject(ctx context.Context, r Getter, namespace, name string) (Project, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(AppProjectGVK)
	if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, u); err != nil {
		return Project{}, fmt.Errorf("read AppProject %s/%s: %w", namespace, name, err)
	}
	p, err := ParseProject(u)
	if err != nil {
		return Project{}, fmt.Errorf("read AppProject %s/%s: %w", namespace, name, err)
	}
	return p, nil
}

// ParseProject parses u; a field of the wrong type returns an error wrapping ErrMalformed.
func ParseProject(u *unstructured.Unstructured) (Project, error) {
	if u == nil {
		return Project{}, fmt.Errorf("%w: no object", ErrMalformed)
	}
	m := u.Object
	o := &object{}
	p := Project{Namespace: o.str(m, "metadata", "namespace"), Name: o.str(m, "metadata", "name")}
	for _, w := range o.objects(m, "spec", "syncWindows") {
		p.SyncWindows = append(p.SyncWindows, SyncWindow{
			Kind:         o.str(w, "kind"),
			Schedule:     o.str(w, "schedule"),
			Duration:     o.str(w, "duration"),
			TimeZone:     o.str(w, "timeZone"),
			Applications: o.strings(w, "applications"),
			Namespaces:   o.strings(w, "namespaces"),
			Clusters:     o.strings(w, "clusters"),
			AndOperator:  o.boolean(w, "andOperator"),
			ManualSync:   o.boolean(w, "manualSync"),
			Description:  o.str(w, "description"),
		})
	}
	if o.err != nil {
		return Project{}, o.err
	}
	return p, nil
}
