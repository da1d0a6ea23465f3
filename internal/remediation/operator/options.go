package operator

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"selfhealing.dev/coordination-engine/internal/action"
)

// DefaultReconcileAnnotation is the annotation set on a custom resource to ask its operator to
// reconcile when no field is mapped for a restart.
const DefaultReconcileAnnotation = "coordination.selfhealing.dev/reconcile-requested-at"

// Options configure the strategy.
type Options struct {
	// Mappings say, per custom resource kind ("Kind.group") and action, which field of the
	// resource carries the change, as a JSON Pointer (RFC 6901): set_memory_limit →
	// "/spec/resources/limits/memory", scale → "/spec/replicas", restart →
	// "/spec/podAnnotations/restartedAt".
	Mappings map[string]map[action.Type]string
	// ReconcileAnnotation is set to the current time for a restart of a kind without a restart
	// mapping. Default DefaultReconcileAnnotation.
	ReconcileAnnotation string
	// MemoryFactor multiplies a memory limit. Default 1.5.
	MemoryFactor float64
	// MemoryCeiling caps a raised memory limit. Default 4Gi.
	MemoryCeiling resource.Quantity
	// MaxReplicas caps scaling. Default 10.
	MaxReplicas int32
}

func (o Options) withDefaults() Options {
	if o.ReconcileAnnotation == "" {
		o.ReconcileAnnotation = DefaultReconcileAnnotation
	}
	if o.MemoryFactor <= 1 {
		o.MemoryFactor = 1.5
	}
	if o.MemoryCeiling.IsZero() {
		o.MemoryCeiling = resource.MustParse("4Gi")
	}
	if o.MaxReplicas <= 0 {
		o.MaxReplicas = 10
	}
	return o
}

// ParseMappings reads the OPERATOR_FIELD_MAPPINGS format: entries separated by ";", each
// "Kind.group:action=/json/pointer,action=/json/pointer", e.g.
// "Cache.example.com:set_memory_limit=/spec/memory,scale=/spec/replicas".
func ParseMappings(s string) (map[string]map[action.Type]string, error) {
	out := map[string]map[action.Type]string{}
	for entry := range strings.SplitSeq(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		kind, fields, ok := strings.Cut(entry, ":")
		if !ok || !strings.Contains(kind, ".") {
			return nil, fmt.Errorf("entry %q: want Kind.group:action=/pointer[,action=/pointer]", entry)
		}
		m := map[action.Type]string{}
		for f := range strings.SplitSeq(fields, ",") {
			name, ptr, ok := strings.Cut(strings.TrimSpace(f), "=")
			t := action.Type(name)
			switch {
			case !ok || !strings.HasPrefix(ptr, "/"):
				return nil, fmt.Errorf("entry %q: field %q: want action=/json/pointer", entry, f)
			case t != action.SetMemoryLimit && t != action.Scale && t != action.Restart:
				return nil, fmt.Errorf("entry %q: action %q: accepted actions are set_memory_limit, scale, restart", entry, name)
			}
			m[t] = ptr
		}
		out[strings.TrimSpace(kind)] = m
	}
	return out, nil
}
