package workload

import "k8s.io/apimachinery/pkg/api/resource"

// Options bound what the strategy may change. Zero values take the safe defaults documented on
// each field.
type Options struct {
	// MemoryFactor multiplies a container's memory limit on set_memory_limit; values ≤ 1 take
	// the default 1.5.
	MemoryFactor float64
	// MemoryCeiling is the largest memory limit the strategy sets. Default 4Gi.
	MemoryCeiling resource.Quantity
	// MaxReplicas is the largest replica count (or HorizontalPodAutoscaler maxReplicas) scale
	// sets. Default 10.
	MaxReplicas int32
	// MaxScaleStep is the most replicas one scale action adds or removes. Default 2.
	MaxScaleStep int32
	// MinReplicas is the smallest replica count scale sets. Default 1.
	MinReplicas int32
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options { return Options{}.withDefaults() }

func (o Options) withDefaults() Options {
	if o.MemoryFactor <= 1 {
		o.MemoryFactor = 1.5
	}
	if o.MemoryCeiling.IsZero() {
		o.MemoryCeiling = resource.MustParse("4Gi")
	}
	if o.MaxReplicas <= 0 {
		o.MaxReplicas = 10
	}
	if o.MaxScaleStep <= 0 {
		o.MaxScaleStep = 2
	}
	if o.MinReplicas <= 0 {
		o.MinReplicas = 1
	}
	return o
}
