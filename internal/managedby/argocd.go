package managedby

// checkArgoCDTrackingID reads Argo CD's tracking-id annotation.
func checkArgoCDTrackingID(f Facts) finding {
	value, ok := f.Top.Annotations[AnnotationArgoCDTrackingID]
	if !ok {
		return finding{}
	}
	id, err := ParseTrackingID(value)
	if err != nil {
		return finding{evidence: []Evidence{evidence(EvidenceAnnotation, ArgoCD,
			"%s on %s is unusable, and Argo CD ignores it as well: %v", AnnotationArgoCDTrackingID, f.Top, err)}}
	}
	details := argoCDDetails(f, id.AppNamespace, id.AppName)
	details[DetailArgoCDTrackingID] = value
	appEvidence, exists := lookupApplication(f, id.AppNamespace, id.AppName)
	if !id.names(f.Top) {
		return finding{
			evidence: []Evidence{evidence(EvidenceAnnotation, ArgoCD,
				"%s on %s names another resource, %s of Application %s: it was copied, and Argo CD does not track this object by it",
				AnnotationArgoCDTrackingID, f.Top, Object{Kind: id.Kind, Namespace: id.Namespace, Name: id.Name}, id.InstanceName()), appEvidence},
			claim: &claim{ArgoCD, confidenceTrackingIDOtherObject, details},
		}
	}
	confidence := confidenceTrackingID
	if exists {
		confidence = confidenceTrackingIDConfirmed
	}
	return finding{
		evidence: []Evidence{evidence(EvidenceAnnotation, ArgoCD,
			"%s on %s names Application %s", AnnotationArgoCDTrackingID, f.Top, id.InstanceName()), appEvidence},
		claim: &claim{ArgoCD, confidence, details},
	}
}

// checkArgoCDInstanceLabel reads the argocd.argoproj.io/instance tracking label.
func checkArgoCDInstanceLabel(f Facts) finding {
	value := f.Top.Labels[LabelArgoCDInstance]
	if value == "" {
		return finding{}
	}
	namespace, name := splitInstanceName(value)
	appEvidence, _ := lookupApplication(f, namespace, name)
	return finding{
		evidence: []Evidence{evidence(EvidenceLabel, ArgoCD,
			"label %s=%s on %s: Argo CD label tracking", LabelArgoCDInstance, value, f.Top), appEvidence},
		claim: &claim{ArgoCD, confidenceArgoCDInstanceLabel, argoCDDetails(f, namespace, name)},
	}
}

// checkAppInstanceLabel reads app.kubernetes.io/instance, which is Argo CD's only when an
// Application of that name exists: Helm charts write the label too.
func checkAppInstanceLabel(f Facts) finding {
	value := f.Top.Labels[LabelAppInstance]
	if value == "" {
		return finding{}
	}
	namespace, name := splitInstanceName(value)
	appEvidence, exists := lookupApplication(f, namespace, name)
	if !exists {
		return finding{evidence: []Evidence{evidence(EvidenceLabel, Helm,
			"label %s=%s on %s, which Helm charts write too; no Application confirms Argo CD label tracking",
			LabelAppInstance, value, f.Top), appEvidence}}
	}
	return finding{
		evidence: []Evidence{evidence(EvidenceLabel, ArgoCD,
			"label %s=%s on %s matches an Application: Argo CD label tracking", LabelAppInstance, value, f.Top), appEvidence},
		claim: &claim{ArgoCD, confidenceAppInstanceLabel, argoCDDetails(f, namespace, name)},
	}
}

// lookupApplication confirms an Application; namespace "" means Argo CD's own namespace.
func lookupApplication(f Facts, namespace, name string) (Evidence, bool) {
	if namespace == "" {
		namespace = f.ArgoCD.Namespace
	}
	ref := name
	if namespace != "" {
		ref = namespace + "/" + name
	}
	switch {
	case !f.ArgoCD.APIAvailable:
		return evidence(EvidenceApplication, "",
			"cannot confirm Application %s: this cluster does not serve Argo CD Applications", ref), false
	case f.ArgoCD.ApplicationExists == nil:
		return evidence(EvidenceApplication, "", "cannot confirm Application %s: Applications could not be read", ref), false
	case f.ArgoCD.ApplicationExists(namespace, name):
		return evidence(EvidenceApplication, ArgoCD, "Application %s exists", ref), true
	default:
		return evidence(EvidenceApplication, "", "no Application %s on this cluster", ref), false
	}
}

func argoCDDetails(f Facts, namespace, name string) map[string]string {
	if namespace == "" {
		namespace = f.ArgoCD.Namespace
	}
	details := map[string]string{DetailArgoCDApplication: name}
	if namespace != "" {
		details[DetailArgoCDNamespace] = namespace
	}
	return details
}

// splitInstanceName splits a label's Application instance name; a value that is not a valid
// instance name is taken as a plain name.
func splitInstanceName(value string) (namespace, name string) {
	namespace, name, err := parseInstanceName(value)
	if err != nil {
		return "", value
	}
	return namespace, name
}
