package managedby

import (
	"sort"
	"strings"
)

// checkOperator reads the top of the owner chain and OLM's labels.
func checkOperator(f Facts) finding {
	var fd finding
	owner, owned := f.topOwner()
	switch {
	case owned && owner.IsCustomResource && owner.Controller:
		fd.evidence = append(fd.evidence, evidence(EvidenceOwnerReference, Operator,
			"%s is controlled by custom resource %s %s (%s)", f.Target, owner.Kind, owner.Name, owner.APIVersion))
		details := map[string]string{
			DetailOperatorKind: owner.Kind, DetailOperatorName: owner.Name, DetailOperatorAPIVersion: owner.APIVersion,
		}
		confidence := confidenceOperator
		if olm := olmNamesFrom(f.OLMLabels); olm.named() {
			fd.evidence = append(fd.evidence, evidence(EvidenceLabel, Operator,
				"OLM labels name operator %s for %s", olm.name(), owner.Kind))
			olm.addDetails(details)
			confidence = confidenceOperatorOLM
		}
		fd.claim = &claim{Operator, confidence, details}
		return fd
	case owned && owner.IsCustomResource:
		fd.evidence = append(fd.evidence, evidence(EvidenceOwnerReference, Operator,
			"%s is owned, but not controlled, by custom resource %s %s", f.Target, owner.Kind, owner.Name))
	}
	if olm := olmNamesFrom(f.Top.Labels); olm.named() {
		fd.evidence = append(fd.evidence, evidence(EvidenceLabel, Operator,
			"OLM labels on %s: installed by OLM for operator %s", f.Top, olm.name()))
		details := map[string]string{}
		if kind := f.Top.Labels[LabelOLMOwnerKind]; kind != "" && olm.csv != "" {
			details[DetailOperatorKind], details[DetailOperatorName] = kind, olm.csv
		}
		olm.addDetails(details)
		fd.claim = &claim{Operator, confidenceOperatorOLM, details}
	}
	return fd
}

// olmNames are the operator names OLM's labels carry.
type olmNames struct {
	operator string // from operators.coreos.com/<operator>
	csv      string // from olm.owner
}

func olmNamesFrom(labels map[string]string) olmNames {
	var operators []string
	for key := range labels {
		if name, ok := strings.CutPrefix(key, LabelPrefixOLMOperator); ok && name != "" {
			operators = append(operators, name)
		}
	}
	sort.Strings(operators)
	names := olmNames{csv: labels[LabelOLMOwner]}
	if len(operators) > 0 {
		names.operator = operators[0]
	}
	return names
}

func (n olmNames) named() bool { return n.operator != "" || n.csv != "" }

func (n olmNames) name() string {
	if n.operator != "" {
		return n.operator
	}
	return n.csv
}

func (n olmNames) addDetails(details map[string]string) {
	details[DetailOLMOperator] = n.name()
	if n.csv != "" {
		details[DetailOLMClusterServiceVersion] = n.csv
	}
}
