package manifestedit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

func plainSource(root string) manifestedit.Source {
	return manifestedit.Source{Root: root, Path: "plain", Type: manifestedit.SourceDirectory, Namespace: "shop"}
}

func TestApplyToPlainYAMLChangesOnlyTheFieldsToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		target      manifestedit.Target
		edit        manifestedit.Edit
		wantCurrent string
		wantWanted  string
		wantOld     string
		wantNew     string
	}{
		{
			name: "memory limit keeps the comment and the spacing", target: deployment("web", "web"), edit: manifestedit.MemoryLimit("512Mi"),
			wantCurrent: "256Mi", wantWanted: "512Mi",
			wantOld: "memory: 256Mi   # raised in March", wantNew: "memory: 512Mi   # raised in March",
		},
		{
			name: "an image given as a tag keeps the name and the quotes", target: deployment("web", "web"), edit: manifestedit.Image("v0"),
			wantCurrent: "registry.example.com/web:v1", wantWanted: "registry.example.com/web:v0",
			wantOld: `image: "registry.example.com/web:v1" # pinned`, wantNew: `image: "registry.example.com/web:v0" # pinned`,
		},
		{
			name: "replicas", target: deployment("web", ""), edit: manifestedit.Replicas(5),
			wantCurrent: "2", wantWanted: "5",
			wantOld: "replicas: 2 # scaled by hand", wantNew: "replicas: 5 # scaled by hand",
		},
		{
			name: "the sidecar's image, named", target: deployment("web", "sidecar"), edit: manifestedit.Image("registry.example.com/proxy:1.1"),
			wantCurrent: "registry.example.com/proxy:1.0", wantWanted: "registry.example.com/proxy:1.1",
			wantOld: "image: registry.example.com/proxy:1.0", wantNew: "image: registry.example.com/proxy:1.1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := checkout(t, sourceFiles())
			res, err := manifestedit.Apply(t.Context(), plainSource(root), tc.target, tc.edit)
			if err != nil {
				t.Fatalf("Apply() = %v", err)
			}
			if res.Current != tc.wantCurrent || res.Wanted != tc.wantWanted {
				t.Errorf("Apply() current, wanted = %q, %q, want %q, %q", res.Current, res.Wanted, tc.wantCurrent, tc.wantWanted)
			}
			if len(res.Files) != 1 || res.Files[0].Path != "plain/web.yaml" {
				t.Fatalf("Apply() files = %v, want [plain/web.yaml]", res.Paths())
			}
			want := strings.Replace(plainWeb, tc.wantOld, tc.wantNew, 1)
			if got := readFile(t, root, "plain/web.yaml"); got != want {
				t.Errorf("plain/web.yaml =\n%s\nwant\n%s", got, want)
			}
			if !strings.Contains(res.Diff, "-        "+tc.wantOld) && !strings.Contains(res.Diff, "-  "+tc.wantOld) && !strings.Contains(res.Diff, tc.wantOld) {
				t.Errorf("Diff misses the old line:\n%s", res.Diff)
			}
			if got := readFile(t, root, "plain/jobs/worker.yaml"); got != plainWorker {
				t.Errorf("another file changed")
			}
		})
	}
}

func TestApplyToPlainYAMLAddsAMissingField(t *testing.T) {
	t.Parallel()
	root := checkout(t, sourceFiles())
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	res, err := manifestedit.Apply(t.Context(), plainSource(root), deployment("web", ""), manifestedit.RestartedAt(at))
	if err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	want := strings.Replace(plainWeb, "    metadata:\n      labels:\n", "    metadata:\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"2026-11-25T10:00:00Z\"\n      labels:\n", 1)
	if got := readFile(t, root, "plain/web.yaml"); got != want {
		t.Errorf("plain/web.yaml =\n%s\nwant only the two annotation lines added:\n%s", got, want)
	}
	if res.Current != "" || res.Wanted != "2026-11-25T10:00:00Z" {
		t.Errorf("Apply() current, wanted = %q, %q", res.Current, res.Wanted)
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	root := checkout(t, sourceFiles())
	for _, edit := range []manifestedit.Edit{manifestedit.MemoryLimit("256Mi"), manifestedit.Image("v1"), manifestedit.Replicas(2)} {
		res, err := manifestedit.Apply(t.Context(), plainSource(root), deployment("web", "web"), edit)
		if err != nil || res.Changed() || res.Diff != "" {
			t.Errorf("Apply(%v) of the current value = %v, %v, want no change", edit, res.Paths(), err)
		}
	}
	if got := readFile(t, root, "plain/web.yaml"); got != plainWeb {
		t.Errorf("plain/web.yaml changed")
	}
}

func TestApplyToPlainYAMLRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		src     func(root string) manifestedit.Source
		target  manifestedit.Target
		edit    manifestedit.Edit
		wantErr error
	}{
		{name: "a workload nothing defines", src: plainSource, target: deployment("api", ""), edit: manifestedit.Replicas(1), wantErr: manifestedit.ErrTargetNotFound},
		{name: "a container the workload does not have", src: plainSource, target: deployment("web", "db"), edit: manifestedit.MemoryLimit("1Gi"), wantErr: manifestedit.ErrTargetNotFound},
		{name: "two containers and none named", src: plainSource, target: deployment("web", ""), edit: manifestedit.MemoryLimit("1Gi"), wantErr: manifestedit.ErrTargetNotFound},
		{name: "a subdirectory without recurse", src: plainSource, target: deployment("worker", ""), edit: manifestedit.Replicas(1), wantErr: manifestedit.ErrTargetNotFound},
		{name: "a namespace that does not match", src: func(root string) manifestedit.Source {
			s := plainSource(root)
			s.Recurse = true
			return s
		}, target: manifestedit.Target{Kind: "Deployment", Namespace: "shop", Name: "worker"}, edit: manifestedit.Replicas(1), wantErr: manifestedit.ErrTargetNotFound},
		{name: "an empty value", src: plainSource, target: deployment("web", "web"), edit: manifestedit.MemoryLimit(""), wantErr: manifestedit.ErrInvalidEdit},
		{name: "a Helm chart", src: func(root string) manifestedit.Source {
			return manifestedit.Source{Root: root, Path: "chart"}
		}, target: deployment("web", "web"), edit: manifestedit.MemoryLimit("1Gi"), wantErr: manifestedit.ErrUnsupportedSource},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := checkout(t, sourceFiles())
			_, err := manifestedit.Apply(t.Context(), tc.src(root), tc.target, tc.edit)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Apply() = %v, want %v", err, tc.wantErr)
			}
			if got := readFile(t, root, "plain/web.yaml"); got != plainWeb {
				t.Errorf("plain/web.yaml changed after a refusal")
			}
		})
	}
}

func TestApplyFindsAWorkloadInASubdirectoryWithRecurse(t *testing.T) {
	t.Parallel()
	root := checkout(t, sourceFiles())
	src := plainSource(root)
	src.Recurse = true
	res, err := manifestedit.Apply(t.Context(), src, manifestedit.Target{Kind: "Deployment", Namespace: "jobs", Name: "worker"}, manifestedit.Image("v6"))
	if err != nil || len(res.Files) != 1 || res.Files[0].Path != "plain/jobs/worker.yaml" {
		t.Fatalf("Apply() = %v, %v", res.Paths(), err)
	}
	if want := "image: registry.example.com/worker:v6"; !strings.Contains(readFile(t, root, "plain/jobs/worker.yaml"), want) {
		t.Errorf("worker.yaml lacks %q", want)
	}
}

func TestDiffIsAUnifiedDiff(t *testing.T) {
	t.Parallel()
	root := checkout(t, sourceFiles())
	res, err := manifestedit.Apply(t.Context(), plainSource(root), deployment("web", "web"), manifestedit.MemoryLimit("1Gi"))
	if err != nil {
		t.Fatal(err)
	}
	want := `--- a/plain/web.yaml
+++ b/plain/web.yaml
@@ -27,6 +27,6 @@
         image: "registry.example.com/web:v1" # pinned
         resources:
           limits:
-            memory: 256Mi   # raised in March
+            memory: 1Gi   # raised in March
       - name: sidecar
         image: registry.example.com/proxy:1.0
`
	if res.Diff != want {
		t.Errorf("Diff =\n%s\nwant\n%s", res.Diff, want)
	}
}
