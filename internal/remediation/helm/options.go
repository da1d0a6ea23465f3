package helm

import "time"

// Options configure the strategy.
type Options struct {
	// PendingTimeout is how long a release may stay pending-install, -upgrade or -rollback
	// before it counts as stuck and is marked failed and recovered. Default 5m.
	PendingTimeout time.Duration
	// Timeout bounds one rollback or upgrade, hooks included. Default 2m.
	Timeout time.Duration
	// MaxHistory caps the revisions Helm keeps of a release it changes; 0 keeps them all, as
	// the helm CLI does by default.
	MaxHistory int
	// MaxReplicas caps a scale. Default 10.
	MaxReplicas int32
}

func (o Options) withDefaults() Options {
	if o.PendingTimeout <= 0 {
		o.PendingTimeout = 5 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.MaxReplicas <= 0 {
		o.MaxReplicas = 10
	}
	return o
}
