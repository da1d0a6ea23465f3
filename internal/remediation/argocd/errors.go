package argocd

import "errors"

// ErrMalformed is returned, wrapped with the field and what was wrong, when an Application or an
// AppProject has a field of the wrong type or an unparsable value.
var ErrMalformed = errors.New("malformed Argo CD object")

// ErrNoCredentials is returned, wrapped with the repository URL, by FindCredentials when no
// Secret holds credentials for the repository.
var ErrNoCredentials = errors.New("no repository credentials")
