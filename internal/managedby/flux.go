package managedby

// checkFlux reads Flux's labels and the Flux owner of the object's Helm release. A HelmRelease
// is the nearer owner, so it is preferred to a Kustomization when both appear.
func checkFlux(f Facts) finding {
	var fd finding
	claimFor := func(ref FluxRef) {
		if fd.claim != nil {
			return
		}
		details := map[string]string{DetailFluxKind: ref.Kind, DetailFluxName: ref.Name}
		if ref.Namespace != "" {
			details[DetailFluxNamespace] = ref.Namespace
		}
		if namespace, name, ok := f.topReleaseRef(); ok {
			details[DetailHelmRelease], details[DetailHelmNamespace] = name, namespace
		}
		fd.claim = &claim{Flux, confidenceFlux, details}
	}
	if name := f.Top.Labels[LabelFluxHelmReleaseName]; name != "" {
		ref := FluxRef{Kind: "HelmRelease", Name: name, Namespace: f.Top.Labels[LabelFluxHelmReleaseNamespace]}
		fd.evidence = append(fd.evidence, evidence(EvidenceLabel, Flux,
			"label %s=%s on %s: rendered by a Flux HelmRelease", LabelFluxHelmReleaseName, name, f.Top))
		claimFor(ref)
	}
	if namespace, name, ok := f.topReleaseRef(); ok {
		if release, found := f.helmRelease(namespace, name); found && release.Flux != nil {
			fd.evidence = append(fd.evidence, evidence(EvidenceSecret, Flux,
				"Helm release %s/%s is managed by Flux %s %s/%s", namespace, name,
				release.Flux.Kind, release.Flux.Namespace, release.Flux.Name))
			claimFor(*release.Flux)
		}
	}
	if name := f.Top.Labels[LabelFluxKustomizationName]; name != "" {
		ref := FluxRef{Kind: "Kustomization", Name: name, Namespace: f.Top.Labels[LabelFluxKustomizationNamespace]}
		fd.evidence = append(fd.evidence, evidence(EvidenceLabel, Flux,
			"label %s=%s on %s: applied by a Flux Kustomization", LabelFluxKustomizationName, name, f.Top))
		claimFor(ref)
	}
	return fd
}
