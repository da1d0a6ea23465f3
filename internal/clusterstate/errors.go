package clusterstate

import "errors"

// ErrMalformed is returned, wrapped with the object and what was wrong, when a platform object
// has a field of the wrong type or a label selector that does not parse.
var ErrMalformed = errors.New("malformed object")
