package managedby

import "errors"

// ErrMalformedTrackingID is returned, wrapped with the value and the reason, by ParseTrackingID.
var ErrMalformedTrackingID = errors.New("malformed Argo CD tracking id")

// ErrTargetNotFound is returned, wrapped with the target, by Resolver.Resolve when the target
// does not exist.
var ErrTargetNotFound = errors.New("target not found")

// ErrUnknownKind is returned, wrapped with the kind, by Resolver.Resolve when the target's kind is
// not served by the cluster.
var ErrUnknownKind = errors.New("unknown kind")

// ErrInvalidTarget is returned, wrapped with the reason, by Resolver.Resolve for a target without
// a kind or name, or a namespaced target without a namespace.
var ErrInvalidTarget = errors.New("invalid target")
