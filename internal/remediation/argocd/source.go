package argocd

import (
	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
)

// DefaultTargetRevision is the revision of a source that names none.
const DefaultTargetRevision = "HEAD"

// SourceType is how Argo CD renders a source.
type SourceType string

// Source types. SourceDetect means the Application does not say: Argo CD detects it from the
// files at the path (Chart.yaml → Helm, kustomization.yaml → Kustomize, else a directory), and so
// must the caller.
const (
	SourceDetect    SourceType = ""
	SourceDirectory SourceType = "Directory"
	SourceKustomize SourceType = "Kustomize"
	SourceHelm      SourceType = "Helm"
	SourcePlugin    SourceType = "Plugin"
)

// Source is one of the Application's sources.
type Source struct {
	// RepoURL is the Git (or Helm) repository; Path the directory in it; TargetRevision the
	// branch, tag or commit tracked ("HEAD" when empty).
	RepoURL, Path, TargetRevision string
	// Chart is set for a chart from a Helm repository (no Git tree to edit).
	Chart string
	// Ref names the source for $ref/ value files of other sources; Name is its display name.
	Ref, Name string
	// Type is how Argo CD renders it.
	Type SourceType
	// Helm is the source's Helm options; nil when there are none.
	Helm *Helm
	// Directory is the source's directory options; nil when there are none.
	Directory *Directory
}

// Helm is a source's Helm options.
type Helm struct {
	// ValueFiles are read in order, later ones winning; "$ref/path" names a file of the source
	// whose Ref is ref.
	ValueFiles []string
	// Parameters, Values and ValuesObject are set on the Application and override every value
	// file: a change made in a value file has no effect on a key they set.
	Parameters   []HelmParameter
	Values       string
	ValuesObject map[string]any
	// ReleaseName is the Helm release name ("" means the Application's name).
	ReleaseName string
	// IgnoreMissingValueFiles: a value file that does not exist is skipped.
	IgnoreMissingValueFiles bool
}

// HelmParameter is one helm.parameters entry (--set name=value).
type HelmParameter struct {
	Name, Value string
	ForceString bool
}

// Overrides reports whether the Application sets Helm values itself, which take precedence over
// the value files.
func (h *Helm) Overrides() bool {
	return h != nil && (len(h.Parameters) > 0 || h.Values != "" || len(h.ValuesObject) > 0)
}

// Directory is a plain-manifest source's options.
type Directory struct {
	Recurse          bool
	Include, Exclude string
}

func parseSource(o *object, m map[string]any) Source {
	s := Source{
		RepoURL:        o.str(m, "repoURL"),
		Path:           o.str(m, "path"),
		TargetRevision: o.str(m, "targetRevision"),
		Chart:          o.str(m, "chart"),
		Ref:            o.str(m, "ref"),
		Name:           o.str(m, "name"),
	}
	if s.TargetRevision == "" {
		s.TargetRevision = DefaultTargetRevision
	}
	if h, ok := o.object(m, "helm"); ok {
		s.Helm = parseHelm(o, h)
	}
	if d, ok := o.object(m, "directory"); ok {
		s.Directory = &Directory{Recurse: o.boolean(d, "recurse"), Include: o.str(d, "include"), Exclude: o.str(d, "exclude")}
	}
	_, kustomize := o.object(m, "kustomize")
	_, plugin := o.object(m, "plugin")
	switch {
	case plugin:
		s.Type = SourcePlugin
	case s.Helm != nil || s.Chart != "":
		s.Type = SourceHelm
	case kustomize:
		s.Type = SourceKustomize
	case s.Directory != nil:
		s.Type = SourceDirectory
	}
	return s
}

func parseHelm(o *object, m map[string]any) *Helm {
	h := &Helm{
		ValueFiles:              o.strings(m, "valueFiles"),
		Values:                  o.str(m, "values"),
		ReleaseName:             o.str(m, "releaseName"),
		IgnoreMissingValueFiles: o.boolean(m, "ignoreMissingValueFiles"),
	}
	h.ValuesObject, _ = o.object(m, "valuesObject")
	for _, p := range o.objects(m, "parameters") {
		h.Parameters = append(h.Parameters, HelmParameter{
			Name: o.str(p, "name"), Value: o.str(p, "value"), ForceString: o.boolean(p, "forceString"),
		})
	}
	return h
}

// EditableSource returns the source whose Git tree the strategy edits and its index in
// Sources. It refuses, with v1alpha1.ReasonSourceUnsupported (not retryable), an Application
// rendered by a source hydrator, a plugin, a chart from a Helm repository, or anything but
// exactly one source with a path.
func (a Application) EditableSource() (Source, int, error) {
	if a.Hydrated {
		return Source{}, -1, action.Refuse(v1alpha1.ReasonSourceUnsupported, false,
			"Application %s renders through a source hydrator; the engine edits only plain Git sources", a.Ref())
	}
	found := -1
	for i, s := range a.Sources {
		if s.Path == "" {
			continue
		}
		if found >= 0 {
			return Source{}, -1, action.Refuse(v1alpha1.ReasonSourceUnsupported, false,
				"Application %s has several sources with a path (%s and %s); the engine does not know which defines the target",
				a.Ref(), a.Sources[found].Path, s.Path)
		}
		found = i
	}
	if found < 0 {
		if len(a.Sources) == 1 && a.Sources[0].Chart != "" {
			return Source{}, -1, action.Refuse(v1alpha1.ReasonSourceUnsupported, false,
				"Application %s installs chart %s from the Helm repository %s, which cannot be edited in Git",
				a.Ref(), a.Sources[0].Chart, a.Sources[0].RepoURL)
		}
		return Source{}, -1, action.Refuse(v1alpha1.ReasonSourceUnsupported, false,
			"Application %s has no source with a path in a Git repository", a.Ref())
	}
	s := a.Sources[found]
	switch {
	case s.Type == SourcePlugin:
		return Source{}, -1, action.Refuse(v1alpha1.ReasonSourceUnsupported, false,
			"Application %s renders %s with a config management plugin, whose output the engine cannot trace to a file", a.Ref(), s.Path)
	case s.Chart != "":
		return Source{}, -1, action.Refuse(v1alpha1.ReasonSourceUnsupported, false,
			"Application %s installs chart %s from the Helm repository %s, which cannot be edited in Git", a.Ref(), s.Chart, s.RepoURL)
	}
	return s, found, nil
}
