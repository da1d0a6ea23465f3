package node

// Options bound one call's work. Zero values take the defaults documented on each field.
type Options struct {
	// MaxEvictionsPerApply is the most pods one Apply of a drain tries to evict; the rest wait
	// for the next Apply (a retryable DrainBlocked refusal). Default 50.
	MaxEvictionsPerApply int
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options { return Options{}.withDefaults() }

func (o Options) withDefaults() Options {
	if o.MaxEvictionsPerApply <= 0 {
		o.MaxEvictionsPerApply = 50
	}
	return o
}
