package argocd

import (
	"fmt"
	"strings"
	"time"
)

// object reads fields of decoded JSON (map[string]any) by path and records the first field whose
// type is wrong, so that a parse reads on and reports one error at the end. A missing field is
// its zero value, as in Argo CD's own decoding.
type object struct {
	err error
}

// fail records a wrong-typed field at path.
func (o *object) fail(path []string, want string, got any) {
	if o.err == nil {
		o.err = fmt.Errorf("%w: %s is %T, want %s", ErrMalformed, strings.Join(path, "."), got, want)
	}
}

// value is the field at path under m, and whether it is present.
func (o *object) value(m map[string]any, path ...string) (any, bool) {
	var cur any = m
	for i, key := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			if cur != nil {
				o.fail(path[:i], "an object", cur)
			}
			return nil, false
		}
		cur, ok = mm[key]
		if !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}

func (o *object) str(m map[string]any, path ...string) string {
	return typed[string](o, "a string", m, path)
}

func (o *object) boolean(m map[string]any, path ...string) bool {
	return typed[bool](o, "a boolean", m, path)
}

// typed is the value at path as a T, the zero T when absent; a value of another type is
// recorded as a failure (want says what was expected) and reads as the zero T.
func typed[T any](o *object, want string, m map[string]any, path []string) T {
	var zero T
	v, ok := o.value(m, path...)
	if !ok {
		return zero
	}
	t, ok := v.(T)
	if !ok {
		o.fail(path, want, v)
	}
	return t
}

func (o *object) integer(m map[string]any, path ...string) int64 {
	v, ok := o.value(m, path...)
	if !ok {
		return 0
	}
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	o.fail(path, "an integer", v)
	return 0
}

// object returns the object at path, nil when absent, and whether it is present.
func (o *object) object(m map[string]any, path ...string) (map[string]any, bool) {
	v, ok := o.value(m, path...)
	if !ok {
		return nil, false
	}
	mm, ok := v.(map[string]any)
	if !ok {
		o.fail(path, "an object", v)
		return nil, false
	}
	return mm, true
}

func (o *object) objects(m map[string]any, path ...string) []map[string]any {
	v, ok := o.value(m, path...)
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		o.fail(path, "a list", v)
		return nil
	}
	out := make([]map[string]any, 0, len(list))
	for i, item := range list {
		mm, ok := item.(map[string]any)
		if !ok {
			o.fail(append(path[:len(path):len(path)], fmt.Sprint(i)), "an object", item)
			continue
		}
		out = append(out, mm)
	}
	return out
}

func (o *object) strings(m map[string]any, path ...string) []string {
	v, ok := o.value(m, path...)
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		o.fail(path, "a list", v)
		return nil
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			o.fail(append(path[:len(path):len(path)], fmt.Sprint(i)), "a string", item)
			continue
		}
		out = append(out, s)
	}
	return out
}

// time parses an RFC 3339 timestamp; absent is the zero time.
func (o *object) time(m map[string]any, path ...string) time.Time {
	s := o.str(m, path...)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("%w: %s: %w", ErrMalformed, strings.Join(path, "."), err)
	}
	return t
}
