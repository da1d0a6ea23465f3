package manifestedit

import "errors"

var (
	// ErrNotInSource: no file of the source sets the field in a way that changes the rendered
	// workload (maps to v1alpha1.ReasonNotInSource).
	ErrNotInSource = errors.New("no file in the source decides the field")
	// ErrTargetNotFound: the rendered source has no workload of that kind, namespace and name, or
	// no such container (maps to v1alpha1.ReasonNotInSource).
	ErrTargetNotFound = errors.New("workload not in the rendered source")
	// ErrNoPreviousRevision: the file's history has no earlier, different value of the field
	// (maps to v1alpha1.ReasonNoPreviousRevision).
	ErrNoPreviousRevision = errors.New("no earlier value in the history")
	// ErrUnsupportedSource: the source uses something the engine will not edit or render (a
	// remote base, a path outside the repository, helmCharts in a kustomization) (maps to
	// v1alpha1.ReasonSourceUnsupported).
	ErrUnsupportedSource = errors.New("source not supported")
	// ErrInvalidEdit: the edit itself is malformed (an empty value, an unknown field).
	ErrInvalidEdit = errors.New("invalid edit")
)
