package chartvalues

import (
	"fmt"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/yaml"
)

// Release is what a chart is rendered as: .Release.Name and .Release.Namespace, which is also
// the namespace of rendered objects that name none.
type Release struct {
	Name, Namespace string
}

// Manifest is one rendered object.
type Manifest struct {
	// Source is the template that rendered it (web/templates/deployment.yaml).
	Source string
	// Content is its YAML.
	Content string
	// Kind, Namespace and Name identify it; Namespace is the release's when the object names
	// none.
	Kind, Namespace, Name string
	object                map[string]any
}

// Key is "Kind namespace/name".
func (m Manifest) Key() string { return m.Kind + " " + m.Namespace + "/" + m.Name }

// Manifests are a rendering's objects in Helm's install order.
type Manifests []Manifest

// String is the manifest stream as Helm stores it in a release: "---\n# Source: ...\n<yaml>".
func (ms Manifests) String() string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Source, m.Content)
	}
	return b.String()
}

// find is the manifest of w's kind and name in w's namespace.
func (ms Manifests) find(w Workload) (Manifest, bool) {
	for _, m := range ms {
		if m.Kind == w.Kind && m.Name == w.Name && (w.Namespace == "" || m.Namespace == w.Namespace) {
			return m, true
		}
	}
	return Manifest{}, false
}

// Render renders ch with the user-supplied values (the chart's defaults are merged under them,
// as Helm does) as rel, without hooks, notes or CRDs, the way `helm template` does with Helm's
// default capabilities. It fails when a template fails or renders YAML that is not an object.
func Render(ch *chart.Chart, values map[string]any, rel Release) (Manifests, error) {
	opts := common.ReleaseOptions{Name: rel.Name, Namespace: rel.Namespace, Revision: 1, IsInstall: true}
	vals, err := util.ToRenderValues(ch, values, opts, common.DefaultCapabilities.Copy())
	if err != nil {
		return nil, fmt.Errorf("render chart %s: values: %w", ch.Name(), err)
	}
	var e engine.Engine
	files, err := e.Render(ch, vals)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", ch.Name(), err)
	}
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	_, sorted, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", ch.Name(), err)
	}
	var b strings.Builder
	for _, m := range sorted {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	return ParseManifests(b.String(), rel.Namespace)
}

// ParseManifests reads a manifest stream (a release record's Manifest, or Manifests.String()),
// placing objects that name no namespace in namespace. Empty documents are skipped.
func ParseManifests(stream, namespace string) (Manifests, error) {
	docs := releaseutil.SplitManifests(stream)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var out Manifests
	for _, k := range keys {
		source, content := splitSource(docs[k])
		if strings.TrimSpace(content) == "" {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(content), &obj); err != nil {
			return nil, fmt.Errorf("parse manifest %s: %w", source, err)
		}
		if obj == nil {
			continue
		}
		m := Manifest{Source: source, Content: content, object: obj}
		m.Kind, _ = obj["kind"].(string)
		meta, _ := obj["metadata"].(map[string]any)
		m.Name, _ = meta["name"].(string)
		m.Namespace, _ = meta["namespace"].(string)
		if m.Namespace == "" {
			m.Namespace = namespace
		}
		out = append(out, m)
	}
	return out, nil
}

// splitSource takes Helm's "# Source: <template>" line off a document.
func splitSource(doc string) (source, content string) {
	doc = strings.TrimLeft(doc, "\n")
	first, rest, _ := strings.Cut(doc, "\n")
	if s, ok := strings.CutPrefix(first, "# Source: "); ok {
		return s, strings.TrimRight(rest, "\n")
	}
	return "", strings.TrimRight(doc, "\n")
}
