package managedby

import "fmt"

// Confidences of the claims; the package documentation has them as a table.
const (
	confidenceTrackingIDConfirmed   = 0.99
	confidenceTrackingID            = 0.95
	confidenceTrackingIDOtherObject = 0.70
	confidenceArgoCDInstanceLabel   = 0.90
	confidenceFlux                  = 0.90
	confidenceAppInstanceLabel      = 0.85
	confidenceHelmReleaseSecret     = 0.95
	confidenceHelmLabelled          = 0.80
	confidenceHelmAnnotated         = 0.70
	confidenceOperatorOLM           = 0.90
	confidenceOperator              = 0.85
	confidenceManual                = 0.60
	confidenceManualWithHints       = 0.40
)

// check is one link of Decide's chain: it records what it saw and, when that is enough, claims
// the workload for a method.
type check func(Facts) finding

// finding is what one check saw; claim is nil when the check does not decide.
type finding struct {
	evidence []Evidence
	claim    *claim
}

// claim is a check's verdict.
type claim struct {
	method     Method
	confidence float64
	details    map[string]string
}

func evidence(kind EvidenceKind, method Method, format string, args ...any) Evidence {
	return Evidence{Kind: kind, Method: method, Detail: fmt.Sprintf(format, args...)}
}

// checkTargetHints records tool marks that are on the target but not on the top controller. They
// never decide: the top controller's own tool reconciles what the target inherits.
func checkTargetHints(f Facts) finding {
	if f.Target.Kind == "" || f.Target.same(f.Top) {
		return finding{}
	}
	var fd finding
	for _, s := range []struct {
		annotation bool
		key        string
		method     Method
	}{
		{true, AnnotationArgoCDTrackingID, ArgoCD},
		{false, LabelArgoCDInstance, ArgoCD},
		{false, LabelFluxHelmReleaseName, Flux},
		{false, LabelFluxKustomizationName, Flux},
		{true, AnnotationHelmReleaseName, Helm},
	} {
		target, top, kind := f.Target.Labels, f.Top.Labels, EvidenceLabel
		if s.annotation {
			target, top, kind = f.Target.Annotations, f.Top.Annotations, EvidenceAnnotation
		}
		value, onTarget := target[s.key]
		if _, onTop := top[s.key]; onTarget && !onTop {
			fd.evidence = append(fd.evidence, evidence(kind, s.method,
				"%s=%s on %s only, not on its top controller %s, which decides", s.key, value, f.Target, f.Top))
		}
	}
	return fd
}

// checkGaps records what the resolver could not find out.
func checkGaps(f Facts) finding {
	var fd finding
	for _, gap := range f.Gaps {
		fd.evidence = append(fd.evidence, evidence(EvidenceGap, "", "%s", gap))
	}
	return fd
}
