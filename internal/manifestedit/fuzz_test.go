package manifestedit_test

import (
	"os"
	"path/filepath"
	"testing"

	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

// FuzzEditPlainYAML: no file content makes Apply or SetValuesPath panic.
func FuzzEditPlainYAML(f *testing.F) {
	f.Add(plainWeb, "512Mi")
	f.Add(plainWorker, "v2")
	f.Add("kind: Deployment\nmetadata: {name: web}\nspec: {template: {spec: {containers: [{name: web, image: 'a:b'}]}}}\n", "1")
	f.Add("---\n---\n- a\n- b\n", "x")
	f.Add("kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: &r 2\n  other: *r\n", "3")
	f.Add("a: |\n  b\n---\nkind: [", "")
	f.Fuzz(func(t *testing.T, content, value string) {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "web.yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		src := manifestedit.Source{Root: root, Type: manifestedit.SourceDirectory}
		target := manifestedit.Target{Kind: "Deployment", Name: "web"}
		for _, e := range []manifestedit.Edit{manifestedit.MemoryLimit(value), manifestedit.Image(value), manifestedit.Replicas(3), {Field: manifestedit.FieldRestartedAt, Value: value}} {
			_, _ = manifestedit.Apply(t.Context(), src, target, e)
		}
		_, _ = manifestedit.SetValuesPath(t.Context(), root, "web.yaml", "spec.replicas", value)
	})
}
