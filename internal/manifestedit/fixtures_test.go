package manifestedit_test

import (
	"os"
	"path/filepath"
	"testing"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

// plainWeb is a multi-document file: a Service, then the web Deployment with comments.
const plainWeb = `# The web tier.
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2 # scaled by hand
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: "registry.example.com/web:v1" # pinned
        resources:
          limits:
            memory: 256Mi   # raised in March
      - name: sidecar
        image: registry.example.com/proxy:1.0
`

const plainWorker = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: jobs
spec:
  template:
    spec:
      containers:
      - name: worker
        image: registry.example.com/worker:v7
`

const baseKustomization = `resources:
- deployment.yaml
`

const baseDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: registry.example.com/web:v1
        resources:
          limits:
            memory: 256Mi
`

// overlayKustomization pins the image tag and patches the memory limit.
const overlayKustomization = `# prod overlay
namespace: prod
resources:
- ../../base
images:
- name: registry.example.com/web
  newTag: v2   # release 2
patches:
- path: memory.yaml
`

const overlayMemory = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        resources:
          limits:
            memory: 512Mi
`

const chartValues = `# Default values for web.
replicaCount: 1

image:
  repository: registry.example.com/web
  tag: "1.0" # the app version

resources: {}
`

// sourceFiles is a repository holding plain YAML, a Kustomize base and overlay, and a chart.
func sourceFiles() map[string]string {
	return map[string]string{
		"plain/web.yaml":                             plainWeb,
		"plain/jobs/worker.yaml":                     plainWorker,
		"kustomize/base/kustomization.yaml":          baseKustomization,
		"kustomize/base/deployment.yaml":             baseDeployment,
		"kustomize/overlays/prod/kustomization.yaml": overlayKustomization,
		"kustomize/overlays/prod/memory.yaml":        overlayMemory,
		"chart/Chart.yaml":                           "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"chart/values.yaml":                          chartValues,
	}
}

// checkout writes files into a new directory and returns it.
func checkout(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// cloneRepo clones branch main of url; the clone is removed at the end of the test.
func cloneRepo(t testing.TB, url string) *gitrepo.Repo {
	t.Helper()
	r, err := gitrepo.Clone(t.Context(), gitrepo.Remote{URL: url}, "main", t.TempDir())
	if err != nil {
		t.Fatalf("Clone() = %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func readFile(t testing.TB, root, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// deployment is the target Deployment name with container.
func deployment(name, container string) manifestedit.Target {
	return manifestedit.Target{APIVersion: "apps/v1", Kind: "Deployment", Name: name, Container: container}
}
