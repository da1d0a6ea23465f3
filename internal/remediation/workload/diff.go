package workload

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// fieldDiff lists the leaf fields that differ between before and after (any values that
// marshal to JSON), one "path: before → after" line each, sorted by path, under prefix. List
// items with a "name" are keyed by it (containers[app]), others by index. Missing fields show
// as <none>.
func fieldDiff(prefix string, before, after any) (string, error) {
	b, err := flatten(prefix, before)
	if err != nil {
		return "", err
	}
	a, err := flatten(prefix, after)
	if err != nil {
		return "", err
	}
	paths := map[string]bool{}
	for p := range b {
		paths[p] = true
	}
	for p := range a {
		paths[p] = true
	}
	var lines []string
	for p := range paths {
		bv, bok := b[p]
		av, aok := a[p]
		if bok && aok && bv == av {
			continue
		}
		if !bok {
			bv = "<none>"
		}
		if !aok {
			av = "<none>"
		}
		lines = append(lines, fmt.Sprintf("%s: %s → %s", p, bv, av))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n"), nil
}

// flatten maps every leaf of v's JSON form to its path.
func flatten(prefix string, v any) (map[string]string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	out := map[string]string{}
	walk(prefix, generic, out)
	return out, nil
}

func walk(path string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			key := "." + k
			if strings.ContainsAny(k, "./") {
				key = fmt.Sprintf("[%q]", k)
			}
			walk(path+key, c, out)
		}
	case []any:
		for i, c := range t {
			key := fmt.Sprintf("[%d]", i)
			if m, ok := c.(map[string]any); ok {
				if name, ok := m["name"].(string); ok {
					key = "[" + name + "]"
				}
			}
			walk(path+key, c, out)
		}
	case nil:
		// null is the same as missing
	default:
		data, _ := json.Marshal(t)
		out[path] = string(data)
	}
}
