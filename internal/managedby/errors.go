package managedby

import "errors"

// ErrMalformedTrackingID is returned, wrapped with the value and the reason, by ParseTrackingID.
var ErrMalformedTrackingID = errors.New("malformed Argo CD tracking id")
