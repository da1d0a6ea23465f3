package managedby

import (
	"strconv"
	"strings"
)

// helmStatusUninstalled is the status of a release uninstalled with --keep-history.
const helmStatusUninstalled = "uninstalled"

// checkHelm reads Helm's release annotations and label and confirms them by the release Secret.
func checkHelm(f Facts) finding {
	var fd finding
	managedBy := f.Top.Labels[LabelManagedBy]
	labelled := strings.EqualFold(managedBy, managedByHelm)
	namespace, name, annotated := f.topReleaseRef()
	switch {
	case labelled && !annotated:
		fd.evidence = append(fd.evidence, evidence(EvidenceLabel, Helm,
			"label %s=%s on %s without Helm's release annotations: rendered by helm template or applied by another tool",
			LabelManagedBy, managedBy, f.Top))
	case labelled:
		fd.evidence = append(fd.evidence, evidence(EvidenceLabel, Helm, "label %s=%s on %s", LabelManagedBy, managedBy, f.Top))
	case managedBy != "":
		fd.evidence = append(fd.evidence, evidence(EvidenceLabel, "",
			"label %s=%s on %s names a tool this engine does not detect", LabelManagedBy, managedBy, f.Top))
	}
	if !annotated {
		return fd
	}
	fd.evidence = append(fd.evidence, evidence(EvidenceAnnotation, Helm,
		"annotation %s on %s names release %s/%s", AnnotationHelmReleaseName, f.Top, namespace, name))
	details := map[string]string{DetailHelmRelease: name, DetailHelmNamespace: namespace}
	confidence := confidenceHelmAnnotated
	if labelled {
		confidence = confidenceHelmLabelled
	}
	release, found := f.helmRelease(namespace, name)
	switch {
	case !found:
		fd.evidence = append(fd.evidence, evidence(EvidenceSecret, "",
			"no release Secret %s found in %s", releaseSecretPrefix+name+".v*", namespace))
	case release.Status == helmStatusUninstalled:
		fd.evidence = append(fd.evidence, evidence(EvidenceSecret, "",
			"release %s/%s was uninstalled (revision %d kept as history): Helm no longer manages %s",
			namespace, name, release.Revision, f.Top))
		return fd
	default:
		fd.evidence = append(fd.evidence, evidence(EvidenceSecret, Helm,
			"release Secret %s in %s, status %s", ReleaseSecretName(name, release.Revision), namespace, release.Status))
		details[DetailHelmRevision] = strconv.Itoa(release.Revision)
		if release.Status != "" {
			details[DetailHelmStatus] = release.Status
		}
		confidence = confidenceHelmReleaseSecret
	}
	fd.claim = &claim{Helm, confidence, details}
	return fd
}
