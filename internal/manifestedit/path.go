package manifestedit

import (
	"fmt"
	"strconv"
	"strings"
)

// step is one step of a field path: a mapping key, then optionally the item of the sequence
// under it whose "name" is match, or the item at index.
type step struct {
	key   string
	match string
	index int // -1: none
}

func key(k string) step         { return step{key: k, index: -1} }
func named(k, name string) step { return step{key: k, match: name, index: -1} }
func keys(ks ...string) []step {
	out := make([]step, len(ks))
	for i, k := range ks {
		out[i] = key(k)
	}
	return out
}

// podTemplate is the path of the workload kind's pod template.
func podTemplate(kind string) []step {
	if kind == "CronJob" {
		return keys("spec", "jobTemplate", "spec", "template")
	}
	return keys("spec", "template")
}

// fieldPath is where field lives in a workload document of kind.
func fieldPath(kind string, field Field, container string) []step {
	tpl := podTemplate(kind)
	switch field {
	case FieldReplicas:
		return keys("spec", "replicas")
	case FieldRestartedAt:
		return append(tpl, keys("metadata", "annotations", RestartedAtAnnotation)...)
	case FieldImage:
		return append(tpl, key("spec"), named("containers", container), key("image"))
	default: // FieldMemoryLimit
		return append(tpl, key("spec"), named("containers", container), key("resources"), key("limits"), key("memory"))
	}
}

// parseValuesPath parses a Helm values path: dot-separated keys, each optionally followed by
// [n] indexes ("image.tag", "containers[0].resources.limits.memory"); `\.` is a literal dot.
func parseValuesPath(p string) ([]step, error) {
	if p == "" {
		return nil, fmt.Errorf("empty values path: %w", ErrInvalidEdit)
	}
	var out []step
	for _, part := range splitEscaped(p) {
		name, rest, _ := strings.Cut(part, "[")
		if name == "" && len(out) == 0 {
			return nil, fmt.Errorf("values path %q: %w", p, ErrInvalidEdit)
		}
		if name != "" {
			out = append(out, key(name))
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(num)
			if !ok || err != nil || n < 0 || (after != "" && !strings.HasPrefix(after, "[")) {
				return nil, fmt.Errorf("values path %q: %w", p, ErrInvalidEdit)
			}
			out = append(out, step{index: n})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out, nil
}

func splitEscaped(p string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p) && p[i+1] == '.':
			cur.WriteByte('.')
			i++
		case p[i] == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(p[i])
		}
	}
	return append(parts, cur.String())
}

func pathString(path []step) string {
	var b strings.Builder
	for i, s := range path {
		if s.key != "" {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		}
		if s.match != "" {
			fmt.Fprintf(&b, "[name=%s]", s.match)
		}
		if s.index >= 0 {
			fmt.Fprintf(&b, "[%d]", s.index)
		}
	}
	return b.String()
}
