package chartvalues

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Workload names the object whose field is wanted, as the chart renders it.
type Workload struct {
	// Kind is Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob.
	Kind string
	// Namespace is the workload's namespace; a rendered object without one is in the release's.
	Namespace string
	// Name is the workload's name.
	Name string
	// Container names the container, for the container fields.
	Container string
}

// String is "Deployment shop/web".
func (w Workload) String() string { return w.Kind + " " + w.Namespace + "/" + w.Name }

// Field is a field of a rendered workload that values may set.
type Field string

// The fields FindPath looks for.
const (
	// FieldMemoryLimit is the container's resources.limits.memory; values compare as quantities.
	FieldMemoryLimit Field = "memory limit"
	// FieldImage is the container's image. A values leaf matches when it is the whole image,
	// its tag, or its repository; the override is the same part of the new image.
	FieldImage Field = "image"
	// FieldReplicas is the workload's spec.replicas.
	FieldReplicas Field = "replicas"
)

// preferred is the path ending FindPath tries first for each field.
var preferred = map[Field][]Path{
	FieldMemoryLimit: {{"resources", "limits", "memory"}},
	FieldImage:       {{"image", "tag"}, {"image", "repository"}, {"image"}},
	FieldReplicas:    {{"replicaCount"}, {"replicas"}},
}

// read returns the field of obj (a decoded rendered object), or false when obj has no such
// field (or no such container).
func (f Field) read(obj map[string]any, container string) (any, bool) {
	spec, _ := obj["spec"].(map[string]any)
	if f == FieldReplicas {
		v, ok := spec["replicas"]
		return v, ok
	}
	c := findContainer(podSpec(obj), container)
	if c == nil {
		return nil, false
	}
	if f == FieldImage {
		v, ok := c["image"]
		return v, ok
	}
	return Lookup(c, Path{"resources", "limits", "memory"})
}

// write sets the field of obj to v; obj must have the field (read said so).
func (f Field) write(obj map[string]any, container string, v any) {
	if f == FieldReplicas {
		obj["spec"].(map[string]any)["replicas"] = v
		return
	}
	c := findContainer(podSpec(obj), container)
	if f == FieldImage {
		c["image"] = v
		return
	}
	c["resources"].(map[string]any)["limits"].(map[string]any)["memory"] = v
}

// equal says whether a (a values leaf or a rendered field) is the value s.
func (f Field) equal(a any, s string) bool {
	switch f {
	case FieldMemoryLimit:
		qa, err1 := resource.ParseQuantity(scalar(a))
		qs, err2 := resource.ParseQuantity(s)
		return err1 == nil && err2 == nil && qa.Cmp(qs) == 0
	case FieldReplicas:
		na, err1 := strconv.ParseFloat(scalar(a), 64)
		ns, err2 := strconv.ParseFloat(s, 64)
		return err1 == nil && err2 == nil && na == ns
	}
	return scalar(a) == s
}

// overrides returns the value a leaf equal to some part of current is set to so that the field
// becomes next, for each part leaf matches; nothing when it matches none.
func (f Field) overrides(leaf any, current, next string) []any {
	switch f {
	case FieldMemoryLimit:
		if f.equal(leaf, current) {
			return []any{next}
		}
	case FieldReplicas:
		n, err := strconv.ParseInt(next, 10, 32)
		if err == nil && f.equal(leaf, current) {
			return []any{n}
		}
	case FieldImage:
		s, ok := leaf.(string)
		if !ok || s == "" {
			return nil
		}
		curRepo, curTag := splitImage(current)
		nextRepo, nextTag := splitImage(next)
		var out []any
		if s == current {
			out = append(out, next)
		}
		if s == curTag && curTag != nextTag && nextTag != "" {
			out = append(out, nextTag)
		}
		if s == curRepo && curRepo != nextRepo {
			out = append(out, nextRepo)
		}
		return out
	}
	return nil
}

// splitImage splits repo:tag (or repo@digest) into the repository and the tag or digest.
func splitImage(image string) (repo, tag string) {
	if i := strings.LastIndex(image, "@"); i >= 0 {
		return image[:i], image[i+1:]
	}
	slash := strings.LastIndex(image, "/")
	if i := strings.LastIndex(image, ":"); i > slash {
		return image[:i], image[i+1:]
	}
	return image, ""
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil, map[string]any, []any:
		return "\x00" // matches nothing
	}
	return fmt.Sprint(v)
}

// podSpec is the pod template's spec of a rendered workload (a CronJob's job template's).
func podSpec(obj map[string]any) map[string]any {
	path := Path{"spec", "template", "spec"}
	if obj["kind"] == "CronJob" {
		path = Path{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	v, _ := Lookup(obj, path)
	m, _ := v.(map[string]any)
	return m
}

// findContainer is the named container of spec, else its only one.
func findContainer(spec map[string]any, name string) map[string]any {
	list, _ := spec["containers"].([]any)
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	if name == "" && len(list) == 1 {
		m, _ := list[0].(map[string]any)
		return m
	}
	return nil
}

// Field returns field of w (its container, for container fields) in ms as a string; an error
// wrapping ErrNotRendered when ms has no such workload, container or field.
func (ms Manifests) Field(w Workload, field Field) (string, error) {
	v, err := fieldOf(ms, w, field)
	if err != nil {
		return "", err
	}
	return scalar(v), nil
}
