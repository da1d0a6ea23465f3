package manifestedit

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Field is what an Edit changes.
type Field string

// The fields Apply changes.
const (
	// FieldMemoryLimit is a container's resources.limits.memory.
	FieldMemoryLimit Field = "memoryLimit"
	// FieldImage is a container's image.
	FieldImage Field = "image"
	// FieldReplicas is the workload's spec.replicas.
	FieldReplicas Field = "replicas"
	// FieldRestartedAt is the pod template's kubectl.kubernetes.io/restartedAt annotation, as
	// `kubectl rollout restart` sets it.
	FieldRestartedAt Field = "restartedAt"
)

// RestartedAtAnnotation is the pod template annotation FieldRestartedAt sets.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// Edit is one change of one field.
type Edit struct {
	Field Field
	// Value is the new value as text: a quantity, an image reference (or a tag alone), a count,
	// or an RFC 3339 time.
	Value string
}

// MemoryLimit sets the container's memory limit to quantity (for example "512Mi").
func MemoryLimit(quantity string) Edit { return Edit{Field: FieldMemoryLimit, Value: quantity} }

// Image sets the container's image to ref: a full reference (name:tag or name@digest) or a
// tag alone, which keeps the current image name.
func Image(ref string) Edit { return Edit{Field: FieldImage, Value: ref} }

// Replicas sets spec.replicas.
func Replicas(n int32) Edit { return Edit{Field: FieldReplicas, Value: strconv.Itoa(int(n))} }

// RestartedAt sets the pod template's restartedAt annotation to t (RFC 3339, UTC).
func RestartedAt(t time.Time) Edit {
	return Edit{Field: FieldRestartedAt, Value: t.UTC().Format(time.RFC3339)}
}

func (e Edit) validate() error {
	if e.Value == "" {
		return fmt.Errorf("%s with an empty value: %w", e.Field, ErrInvalidEdit)
	}
	switch e.Field {
	case FieldMemoryLimit, FieldImage, FieldRestartedAt:
		return nil
	case FieldReplicas:
		if n, err := strconv.Atoi(e.Value); err != nil || n < 0 {
			return fmt.Errorf("replicas %q: %w", e.Value, ErrInvalidEdit)
		}
		return nil
	default:
		return fmt.Errorf("field %q: %w", e.Field, ErrInvalidEdit)
	}
}

// Target is the workload to change, as Argo CD deploys it.
type Target struct {
	// APIVersion is compared by group only ("apps/v1" matches "apps/v1beta2"); empty matches any.
	APIVersion string
	Kind       string
	// Namespace empty matches any; a document without a namespace is in Source.Namespace.
	Namespace string
	Name      string
	// Container names the container for image and memory edits; empty when there is one.
	Container string
}

func (t Target) String() string {
	return fmt.Sprintf("%s %s/%s", t.Kind, t.Namespace, t.Name)
}

// SourceType is how Argo CD renders a source directory.
type SourceType string

// The source types Apply edits.
const (
	// SourceDirectory is a directory of plain YAML manifests.
	SourceDirectory SourceType = "Directory"
	// SourceKustomize is a directory with a kustomization.yaml, kustomization.yml or Kustomization.
	SourceKustomize SourceType = "Kustomize"
	// SourceHelm is a Helm chart; only its values files are edited (SetValuesPath).
	SourceHelm SourceType = "Helm"
)

// Source is a checked-out Argo CD Application source.
type Source struct {
	// Root is the repository's working tree; every path in a Result is relative to it, and no
	// file outside it is read.
	Root string
	// Path is the Application's source path, relative to Root ("" or "." for the root).
	Path string
	// Type is how the source renders; empty means DetectSource's answer.
	Type SourceType
	// Recurse reads plain YAML in subdirectories too (the Application's directory.recurse).
	Recurse bool
	// Namespace is the Application's destination namespace, for documents that name none.
	Namespace string
}

func (s Source) dir() string { return filepath.Join(s.Root, filepath.FromSlash(s.Path)) }

// DetectSource says how Argo CD would render dir: Kustomize when a kustomization file is there,
// Helm when a Chart.yaml is, else a directory of plain YAML.
func DetectSource(dir string) SourceType {
	if kustomizationFile(dir) != "" {
		return SourceKustomize
	}
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil {
		return SourceHelm
	}
	return SourceDirectory
}

func kustomizationFile(dir string) string {
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() {
			return filepath.Join(dir, name)
		}
	}
	return ""
}
