package managedby

import (
	"maps"
	"slices"
)

// checks is Decide's chain in precedence order; the package documentation explains the order.
func checks() []check {
	return []check{
		checkArgoCDTrackingID,
		checkArgoCDInstanceLabel,
		checkFlux,
		checkAppInstanceLabel,
		checkHelm,
		checkOperator,
		checkTargetHints,
		checkGaps,
	}
}

// Decide decides how the workload described by f is deployed. Every check runs and its evidence
// is kept, in check order and without duplicates; the first check that claims the workload gives
// the method, the confidence and the details. When none claims, the method is Unknown if f has
// gaps or no top controller, and Manual otherwise. Decide never fails and reads nothing but f.
func Decide(f Facts) Result {
	res := Result{Evidence: []Evidence{}, Details: map[string]string{}}
	if f.Top.Kind == "" || f.Top.Name == "" {
		res.Method = Unknown
		res.Evidence = append(res.Evidence, evidence(EvidenceGap, "", "no top controller: the owner chain was not resolved"))
		res.Evidence = appendNew(res.Evidence, checkGaps(f).evidence...)
		return res
	}
	var won *claim
	for _, c := range checks() {
		fd := c(f)
		res.Evidence = appendNew(res.Evidence, fd.evidence...)
		if won == nil {
			won = fd.claim
		}
	}
	switch {
	case won != nil:
		res.Method, res.Confidence = won.method, won.confidence
		maps.Copy(res.Details, won.details)
	case len(f.Gaps) > 0:
		res.Method = Unknown
		res.Evidence = append(res.Evidence, evidence(EvidenceNone, "",
			"nothing claims %s, but the facts have gaps: not calling it manual", f.Top))
	case len(res.Evidence) == 0:
		res.Method, res.Confidence = Manual, confidenceManual
		res.Evidence = append(res.Evidence, evidence(EvidenceNone, Manual,
			"no Argo CD, Flux, Helm or OLM marks on %s and no custom resource controls it", f.Top))
	default:
		res.Method, res.Confidence = Manual, confidenceManualWithHints
		res.Evidence = append(res.Evidence, evidence(EvidenceNone, Manual,
			"nothing claims %s; the hints above are not enough to name another method", f.Top))
	}
	return res
}

// appendNew appends the evidence not already in list.
func appendNew(list []Evidence, more ...Evidence) []Evidence {
	for _, e := range more {
		if !slices.Contains(list, e) {
			list = append(list, e)
		}
	}
	return list
}
