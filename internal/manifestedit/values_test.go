package manifestedit_test

import (
	"errors"
	"strings"
	"testing"

	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

func TestSetValuesPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		path      string
		value     any
		wantOld   string
		wantNew   string
		wantAdded string
		wantErr   error
		file      string // values.yaml's content when not chartValues
	}{
		{name: "a quoted tag stays quoted with its comment", path: "image.tag", value: "1.1", wantOld: `tag: "1.0" # the app version`, wantNew: `tag: "1.1" # the app version`},
		{name: "an integer", path: "replicaCount", value: 3, wantOld: "replicaCount: 1", wantNew: "replicaCount: 3"},
		{name: "a path under an empty map is created in place", path: "resources.limits.memory", value: "512Mi", wantOld: "resources: {}\n", wantNew: "resources:\n  limits:\n    memory: 512Mi\n"},
		{name: "a missing key is added next to a sibling", path: "image.pullPolicy", value: "Always", wantOld: "  repository: registry.example.com/web\n", wantNew: "  repository: registry.example.com/web\n  pullPolicy: Always\n"},
		{name: "a missing top-level map is added", path: "podAnnotations.team", value: "web", wantAdded: "podAnnotations:\n  team: web\n"},
		{name: "a key under a flow map is added by writing the document again", path: "image.tag", value: "2.0", file: "image: {repository: web} # inline\n", wantAdded: "tag: \"2.0\""},
		{name: "a malformed path", path: "image..tag[x]", value: "1", wantErr: manifestedit.ErrInvalidEdit},
		{name: "a value of another type", path: "image.tag", value: 1.5, wantErr: manifestedit.ErrInvalidEdit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := sourceFiles()
			if tc.file != "" {
				files["chart/values.yaml"] = tc.file
			}
			root := checkout(t, files)
			res, err := manifestedit.SetValuesPath(t.Context(), root, "chart/values.yaml", tc.path, tc.value)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("SetValuesPath() = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !res.Changed() {
				t.Fatalf("SetValuesPath() = %v, %v", res.Paths(), err)
			}
			got := readFile(t, root, "chart/values.yaml")
			if tc.wantOld != "" {
				if want := strings.Replace(chartValues, tc.wantOld, tc.wantNew, 1); got != want {
					t.Errorf("values.yaml =\n%s\nwant\n%s", got, want)
				}
			}
			if tc.wantAdded != "" && !strings.Contains(got, tc.wantAdded) {
				t.Errorf("values.yaml =\n%s\nwant %q", got, tc.wantAdded)
			}
			again, err := manifestedit.SetValuesPath(t.Context(), root, "chart/values.yaml", tc.path, tc.value)
			if err != nil || again.Changed() {
				t.Errorf("SetValuesPath() again = %v, %v, want no change", again.Paths(), err)
			}
		})
	}
}
