package manifestedit

import (
	"os"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// set is one scalar to write.
type set struct {
	path  []step
	value scalar
}

// candidate is one place that may decide the field: sets on one document of one file.
type candidate struct {
	file   string
	doc    int
	sets   []set
	create bool
}

// docRef is a workload document: its file, its index, and whether the field is already set.
type docRef struct {
	file     string
	doc      int
	existing bool
	patch    bool
}

// candidates lists, in the order they are tried, the places that may decide field of target
// (rendered as obj) in the given files: kustomization entries, then documents that already set
// the field (patches first), then documents where the field can be added.
func candidates(t tree, target Target, obj object, field Field, path []step, wanted string, currentImage string) []candidate {
	var out []candidate
	v := scalar{value: wanted, isInt: field == FieldReplicas}
	for _, kf := range t.kustomizations {
		out = append(out, entryCandidates(kf, target, field, wanted, currentImage)...)
	}
	var docs []docRef
	for _, f := range t.patches {
		docs = append(docs, workloadDocs(f, target, path, true)...)
	}
	for _, f := range t.resources {
		docs = append(docs, workloadDocs(f, target, path, false)...)
	}
	for _, d := range docs {
		if d.existing {
			out = append(out, candidate{file: d.file, doc: d.doc, sets: []set{{path, v}}})
		}
	}
	// Where the field is set nowhere: a restart goes into an overlay patch if there is one, so
	// that other overlays of the base do not restart; other fields go into the base resource.
	preferPatch := field == FieldRestartedAt
	for _, pass := range []bool{preferPatch, !preferPatch} {
		for _, d := range docs {
			if !d.existing && d.patch == pass {
				out = append(out, candidate{file: d.file, doc: d.doc, sets: []set{{path, v}}, create: true})
			}
		}
	}
	return out
}

// workloadDocs finds the documents of file that are target (same kind, and a name the rendered
// name contains, for name prefixes and suffixes), exact names first.
func workloadDocs(file string, target Target, path []step, patch bool) []docRef {
	content, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var exact, partial []docRef
	for i, d := range splitDocs(content) {
		root, err := parseDoc(content[d.start:d.end])
		if err != nil || root == nil || root.Content[0].Kind != yaml.MappingNode {
			continue
		}
		doc := root.Content[0]
		kind, _ := scalarAt(root, keys("kind"))
		name, _ := scalarAt(root, keys("metadata", "name"))
		if kind != target.Kind || name == "" || !strings.Contains(target.Name, name) {
			continue
		}
		if ns, ok := scalarAt(root, keys("metadata", "namespace")); ok && target.Namespace != "" && ns != target.Namespace {
			continue
		}
		ref := docRef{file: file, doc: i, existing: lookup(doc, path, false) != nil, patch: patch}
		if !ref.existing && !creatable(doc, path) {
			continue
		}
		if name == target.Name {
			exact = append(exact, ref)
		} else {
			partial = append(partial, ref)
		}
	}
	return append(exact, partial...)
}

// creatable: the path can be completed by adding mapping keys (the named container exists).
func creatable(doc *yaml.Node, path []step) bool {
	for i, s := range path {
		if s.match != "" {
			return lookup(doc, path[:i+1], false) != nil
		}
	}
	return true
}

// entryCandidates are the images: or replicas: entries of a kustomization file that match.
func entryCandidates(kf string, target Target, field Field, wanted, currentImage string) []candidate {
	content, err := os.ReadFile(kf)
	if err != nil {
		return nil
	}
	root, err := parseDoc(content)
	if err != nil || root == nil || root.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	doc := root.Content[0]
	var out []candidate
	switch field {
	case FieldImage:
		seq := mapValue(doc, "images")
		if seq == nil || seq.Kind != yaml.SequenceNode {
			return nil
		}
		curName, _, _ := splitImage(currentImage)
		wName, wTag, wDigest := splitImage(wanted)
		for i, e := range seq.Content {
			if e.Kind != yaml.MappingNode {
				continue
			}
			name := valueOf(e, "name")
			eff := valueOf(e, "newName")
			if eff == "" {
				eff = name
			}
			if eff != curName {
				continue
			}
			var sets []set
			if wName != eff {
				sets = append(sets, set{path: []step{{key: "images", index: i}, key("newName")}, value: scalar{value: wName}})
			}
			if wTag != "" {
				sets = append(sets, set{path: []step{{key: "images", index: i}, key("newTag")}, value: scalar{value: wTag}})
			}
			if wDigest != "" {
				sets = append(sets, set{path: []step{{key: "images", index: i}, key("digest")}, value: scalar{value: wDigest}})
			}
			out = append(out, candidate{file: kf, sets: sets, create: true})
		}
	case FieldReplicas:
		seq := mapValue(doc, "replicas")
		if seq == nil || seq.Kind != yaml.SequenceNode {
			return nil
		}
		for i, e := range seq.Content {
			if e.Kind == yaml.MappingNode && valueOf(e, "name") != "" && strings.Contains(target.Name, valueOf(e, "name")) {
				out = append(out, candidate{file: kf, sets: []set{{path: []step{{key: "replicas", index: i}, key("count")}, value: scalar{value: wanted, isInt: true}}}, create: true})
			}
		}
	}
	return out
}

func valueOf(n *yaml.Node, k string) string {
	if v := mapValue(n, k); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// splitImage splits an image reference into name, tag and digest.
func splitImage(ref string) (name, tag, digest string) {
	name, digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	return name, tag, digest
}

// valueText is a rendered value as the text an Edit carries.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return ""
	}
}
