// Package chart loads and renders the Helm chart charts/coordination-engine with the Helm SDK and
// checks what it renders against the platform's contract (../shared/contract.md §7). Its tests
// lint the chart, check the rendering, prove the RBAC against the engine's own list of
// permissions and a real API server; test/e2e installs the chart with it.
package chart

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

// OldestKubeVersion is the oldest Kubernetes version the chart supports (Chart.yaml kubeVersion;
// OpenShift 4.18). Rendering without a cluster uses it, since Helm's default in tests is older.
const OldestKubeVersion = "v1.31.0"

// Dir is the chart's directory.
func Dir() string { return filepath.Join(testenv.RepoRoot(), "charts", "coordination-engine") }

// Load loads the chart from Dir.
func Load() (*helmchart.Chart, error) {
	ch, err := loader.LoadDir(Dir())
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	return ch, nil
}

// Objects are the objects of a rendering, in Helm's install order.
type Objects []*unstructured.Unstructured

// Find returns the object of kind and name, or nil.
func (o Objects) Find(kind, name string) *unstructured.Unstructured {
	for _, u := range o {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	return nil
}

// OfKind returns the objects of kind.
func (o Objects) OfKind(kind string) Objects {
	var out Objects
	for _, u := range o {
		if u.GetKind() == kind {
			out = append(out, u)
		}
	}
	return out
}

// Keys lists "Kind/name" of every object, sorted.
func (o Objects) Keys() []string {
	keys := make([]string, 0, len(o))
	for _, u := range o {
		keys = append(keys, u.GetKind()+"/"+u.GetName())
	}
	sort.Strings(keys)
	return keys
}

// Into converts the object of kind and name into out (a typed API object).
func (o Objects) Into(kind, name string, out any) error {
	u := o.Find(kind, name)
	if u == nil {
		return fmt.Errorf("no %s %s rendered; rendered: %v", kind, name, o.Keys())
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, out, true); err != nil {
		return fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return nil
}

// Render renders the chart as `helm template` does (the SDK's install action in client-only
// mode: no cluster, no hooks, no CRDs) as release "coordination-engine" in namespace, with
// values over the chart's defaults, for the oldest supported Kubernetes version.
func Render(ctx context.Context, ch *helmchart.Chart, namespace string, values map[string]any) (Objects, error) {
	kv, err := common.ParseKubeVersion(OldestKubeVersion)
	if err != nil {
		return nil, err
	}
	in := action.NewInstall(action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler)))
	in.DryRunStrategy = action.DryRunClient
	in.Replace = true // no release name check: there is no release storage
	in.ReleaseName, in.Namespace, in.KubeVersion = "coordination-engine", namespace, kv
	r, err := in.RunWithContext(ctx, ch, values)
	if err != nil {
		return nil, fmt.Errorf("render chart: %w", err)
	}
	rel, ok := r.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("render chart: a %T, not a v1 release", r)
	}
	return Parse(rel.Manifest)
}

// Parse reads a manifest stream as Helm writes it into objects, in stream order.
func Parse(manifest string) (Objects, error) {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var out Objects
	for _, k := range keys {
		doc := bytes.TrimSpace([]byte(docs[k]))
		if len(doc) == 0 {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("parse rendered manifest: %w\n%s", err, doc)
		}
		if len(obj) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
	return out, nil
}
