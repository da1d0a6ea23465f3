package managedby

import (
	"errors"
	"fmt"
	"strings"
)

// TrackingID is the value of Argo CD's argocd.argoproj.io/tracking-id annotation: the
// Application that manages an object and the object it was written for,
// <app>:<group>/<kind>:<namespace>/<name>.
type TrackingID struct {
	// AppNamespace is the Application's namespace when Argo CD wrote it ("apps in any namespace",
	// <namespace>_<name>); empty when the Application lives in Argo CD's own namespace.
	AppNamespace string
	// AppName is the Application's name.
	AppName string
	// Group is the object's API group; empty for core kinds.
	Group string
	// Kind is the object's kind.
	Kind string
	// Namespace is the object's namespace. For cluster-scoped objects Argo CD writes the
	// Application's destination namespace or nothing.
	Namespace string
	// Name is the object's name.
	Name string
}

// ParseTrackingID parses a tracking-id annotation as Argo CD does: the text up to the first ':' is
// the Application, the text up to the second ':' is <group>/<kind>, the rest is <namespace>/<name>
// (so a name may contain ':', as RBAC names do). It returns an error wrapping
// ErrMalformedTrackingID when a part is missing, a '/' is missing or repeated, or the Application,
// kind or name is empty.
func ParseTrackingID(s string) (TrackingID, error) {
	app, rest, ok := strings.Cut(s, ":")
	if !ok {
		return TrackingID{}, malformedTrackingID(s, "no ':' after the application")
	}
	groupKind, namespaceName, ok := strings.Cut(rest, ":")
	if !ok {
		return TrackingID{}, malformedTrackingID(s, "no ':' between <group>/<kind> and <namespace>/<name>")
	}
	var id TrackingID
	var err error
	if id.AppNamespace, id.AppName, err = parseInstanceName(app); err != nil {
		return TrackingID{}, malformedTrackingID(s, err.Error())
	}
	if id.Group, id.Kind, ok = cutOnce(groupKind, "/"); !ok {
		return TrackingID{}, malformedTrackingID(s, fmt.Sprintf("%q is not <group>/<kind>", groupKind))
	}
	if id.Namespace, id.Name, ok = cutOnce(namespaceName, "/"); !ok {
		return TrackingID{}, malformedTrackingID(s, fmt.Sprintf("%q is not <namespace>/<name>", namespaceName))
	}
	switch {
	case id.Kind == "":
		return TrackingID{}, malformedTrackingID(s, "empty kind")
	case id.Name == "":
		return TrackingID{}, malformedTrackingID(s, "empty name")
	}
	return id, nil
}

// InstanceName is the Application as Argo CD writes it: <name>, or <namespace>_<name>.
func (t TrackingID) InstanceName() string {
	if t.AppNamespace == "" {
		return t.AppName
	}
	return t.AppNamespace + "_" + t.AppName
}

// String formats the tracking id as Argo CD writes it; ParseTrackingID(t.String()) == t.
func (t TrackingID) String() string {
	return t.InstanceName() + ":" + t.Group + "/" + t.Kind + ":" + t.Namespace + "/" + t.Name
}

// names says whether the tracking id was written for o. Like Argo CD, it ignores the namespace
// of cluster-scoped objects, which carry the Application's destination namespace.
func (t TrackingID) names(o Object) bool {
	return t.Group == o.group() && t.Kind == o.Kind && t.Name == o.Name &&
		(o.Namespace == "" || t.Namespace == o.Namespace)
}

// parseInstanceName splits an Application instance name, <name> or <namespace>_<name>.
func parseInstanceName(s string) (namespace, name string, err error) {
	if s == "" {
		return "", "", errors.New("empty application")
	}
	namespace, name, ok := strings.Cut(s, "_")
	if !ok {
		return "", s, nil
	}
	if namespace == "" || name == "" {
		return "", "", fmt.Errorf("application %q is not <name> or <namespace>_<name>", s)
	}
	return namespace, name, nil
}

// cutOnce cuts s around sep, which must occur exactly once.
func cutOnce(s, sep string) (before, after string, ok bool) {
	before, after, ok = strings.Cut(s, sep)
	if !ok || strings.Contains(after, sep) {
		return "", "", false
	}
	return before, after, true
}

func malformedTrackingID(s, reason string) error {
	return fmt.Errorf("%w %q: %s (want <application>:<group>/<kind>:<namespace>/<name>)", ErrMalformedTrackingID, s, reason)
}
