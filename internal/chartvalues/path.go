package chartvalues

import (
	"maps"
	"slices"
	"strings"
)

// Path is a values path: the keys from the top of the values to a leaf, as in
// resources.limits.memory. Keys may contain dots; String quotes no keys, so it is for people.
type Path []string

// ParsePath splits a dotted path ("resources.limits.memory") into its keys.
func ParsePath(s string) Path {
	if s == "" {
		return nil
	}
	return Path(strings.Split(s, "."))
}

// String is the dotted form, resources.limits.memory.
func (p Path) String() string { return strings.Join(p, ".") }

// HasSuffix says whether p ends with the keys of suffix.
func (p Path) HasSuffix(suffix Path) bool {
	return len(p) >= len(suffix) && slices.Equal(p[len(p)-len(suffix):], suffix)
}

// Lookup returns the value at p in values and whether it is there.
func Lookup(values map[string]any, p Path) (any, bool) {
	if len(p) == 0 {
		return nil, false
	}
	var cur any = values
	for _, k := range p {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// SetPath returns a copy of values with p set to v, creating the maps on the way and replacing
// a non-map on the way by one. values is not changed; the maps along p are copied, the rest is
// shared with values.
func SetPath(values map[string]any, p Path, v any) map[string]any {
	out := maps.Clone(values)
	if out == nil {
		out = map[string]any{}
	}
	if len(p) == 0 {
		return out
	}
	if len(p) == 1 {
		out[p[0]] = v
		return out
	}
	child, _ := out[p[0]].(map[string]any)
	out[p[0]] = SetPath(child, p[1:], v)
	return out
}

// leaves calls fn for every leaf (a value that is not a non-empty map) under values, with its
// path, in sorted key order.
func leaves(values map[string]any, prefix Path, fn func(Path, any)) {
	for _, k := range slices.Sorted(maps.Keys(values)) {
		p := append(slices.Clip(prefix), k)
		if m, ok := values[k].(map[string]any); ok && len(m) > 0 {
			leaves(m, p, fn)
			continue
		}
		fn(p, values[k])
	}
}
