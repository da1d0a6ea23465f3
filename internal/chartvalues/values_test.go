package chartvalues

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetPath(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]any
		path   string
		want   map[string]any
	}{
		{"sets a leaf in nil values", nil, "a.b", map[string]any{"a": map[string]any{"b": "x"}}},
		{"keeps the siblings", map[string]any{"a": map[string]any{"b": 1, "c": 2}}, "a.b",
			map[string]any{"a": map[string]any{"b": "x", "c": 2}}},
		{"replaces a scalar on the way by a map", map[string]any{"a": "s"}, "a.b", map[string]any{"a": map[string]any{"b": "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cmp.Diff(nil, tt.values)
			got := SetPath(tt.values, ParsePath(tt.path), "x")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("SetPath(%s) mismatch (-want +got):\n%s", tt.path, d)
			}
			if after := cmp.Diff(nil, tt.values); after != before {
				t.Fatalf("SetPath(%s) changed its input", tt.path)
			}
		})
	}
}

func TestDiffShowsOnlyChangedLines(t *testing.T) {
	ch := loadChart(t, "web")
	from, err := Render(ch, nil, rel)
	if err != nil {
		t.Fatal(err)
	}
	to, err := Render(ch, map[string]any{"image": map[string]any{"tag": "2.0"}}, rel)
	if err != nil {
		t.Fatal(err)
	}
	want := "Deployment prod/shop:\n-           image: \"example.invalid/web:1.0\"\n+           image: \"example.invalid/web:2.0\"\n"
	if got := Diff(from, to); got != want {
		t.Fatalf("Diff() =\n%s\nwant\n%s", got, want)
	}
	if got := Diff(from, from); got != "" {
		t.Fatalf("Diff(same) = %q, want empty", got)
	}
	if got := Diff(from[:1], from); !strings.Contains(got, "+ Deployment prod/shop (added)") {
		t.Fatalf("Diff() = %q, want the Deployment added", got)
	}
}

func TestParseManifestsReadsTheRenderedStream(t *testing.T) {
	ms, err := Render(loadChart(t, "web"), nil, rel)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseManifests(ms.String(), "prod")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range again {
		keys = append(keys, m.Key()+" "+m.Source)
	}
	want := []string{"Service prod/shop web/templates/service.yaml", "Deployment prod/shop web/templates/deployment.yaml"}
	if d := cmp.Diff(want, keys); d != "" {
		t.Fatalf("ParseManifests() keys mismatch (-want +got):\n%s", d)
	}
}

func FuzzDiff(f *testing.F) {
	f.Add("---\n# Source: a\nkind: A\nmetadata:\n  name: x\nv: 1\n", "---\n# Source: a\nkind: A\nmetadata:\n  name: x\nv: 2\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		from, err1 := ParseManifests(a, "ns")
		to, err2 := ParseManifests(b, "ns")
		if err1 != nil || err2 != nil {
			return
		}
		if Diff(from, from) != "" {
			t.Fatalf("Diff(x, x) is not empty for %q", a)
		}
		_ = Diff(from, to)
	})
}

// A Secret that changed is named, never shown: the diff goes into workflow status.
func TestDiffNeverShowsASecretsData(t *testing.T) {
	secret := func(token string) Manifests {
		ms, err := ParseManifests("---\n# Source: web/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  token: "+token+"\n", "prod")
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	got := Diff(secret("b2xk"), secret("bmV3"))
	if strings.Contains(got, "b2xk") || strings.Contains(got, "bmV3") || !strings.Contains(got, "Secret prod/creds: changed") {
		t.Fatalf("Diff(Secret) = %q, want it named as changed without its data", got)
	}
}
