package manifestedit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"

	sigsyaml "sigs.k8s.io/yaml"
)

// SetValuesPath sets the Helm values path (dotted, with [n] indexes: "image.tag",
// "resources.limits.memory") in the values file (relative to root) to value (a string or an
// integer), keeping comments and formatting; missing mapping keys are created. It proves the
// result by parsing the file again: the path has the value and nothing else changed. A file
// that already has the value is left alone (a Result without Files). The file must exist.
func SetValuesPath(ctx context.Context, root, file, valuesPath string, value any) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	path, err := parseValuesPath(valuesPath)
	if err != nil {
		return Result{}, err
	}
	var v scalar
	switch x := value.(type) {
	case string:
		v = scalar{value: x}
	case int:
		v = scalar{value: strconv.Itoa(x), isInt: true}
	case int32:
		v = scalar{value: strconv.Itoa(int(x)), isInt: true}
	case int64:
		v = scalar{value: strconv.FormatInt(x, 10), isInt: true}
	default:
		return Result{}, fmt.Errorf("value of type %T: %w", value, ErrInvalidEdit)
	}
	full := filepath.Join(root, filepath.FromSlash(file))
	if _, err := local(root, root, file); err != nil {
		return Result{}, err
	}
	old, err := os.ReadFile(full)
	if err != nil {
		return Result{}, fmt.Errorf("read values: %w", err)
	}
	var before object
	if err := sigsyaml.Unmarshal(old, &before); err != nil {
		return Result{}, fmt.Errorf("parse %s: %w", file, err)
	}
	res := Result{Current: valueText(before.get(path)), Wanted: v.value}
	content, changed, err := setInDoc(old, 0, path, v, true)
	if err != nil {
		return Result{}, fmt.Errorf("set %s in %s: %w", valuesPath, file, err)
	}
	if !changed {
		return res, nil
	}
	var want any = v.value
	if v.isInt {
		want, _ = strconv.Atoi(v.value)
	}
	expected, err := before.with(path, want)
	if err != nil {
		return Result{}, fmt.Errorf("set %s in %s: %w", valuesPath, file, err)
	}
	var after object
	if err := sigsyaml.Unmarshal(content, &after); err != nil || !reflect.DeepEqual(after, expected) {
		return Result{}, fmt.Errorf("set %s in %s: the edited file does not read back as expected", valuesPath, file)
	}
	fi, err := os.Stat(full)
	if err != nil {
		return Result{}, err
	}
	if err := os.WriteFile(full, content, fi.Mode().Perm()); err != nil {
		return Result{}, fmt.Errorf("write values: %w", err)
	}
	p := filepath.ToSlash(filepath.Clean(file))
	res.Files = []FileChange{{Path: p, Old: old, New: content}}
	res.Diff = unifiedDiff(p, old, content)
	return res, nil
}
