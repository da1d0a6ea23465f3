package chartvalues

import "errors"

// ErrNotRendered means the chart does not render the workload, or its container or field, that
// was asked for: the chart and values do not describe it.
var ErrNotRendered = errors.New("not rendered by the chart")
