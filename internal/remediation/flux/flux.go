package flux

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/chartvalues"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/remediation/helm"
)

// Name is the strategy's name on workflows and changes.
const Name = "flux"

// HelmReleaseAPIVersion is the HelmRelease version the strategy reads and patches.
const HelmReleaseAPIVersion = "helm.toolkit.fluxcd.io/v2"

var (
	_ remediation.Strategy = (*Strategy)(nil)
	_ remediation.Follower = (*Strategy)(nil)
)

// Strategy changes the values of the Flux HelmRelease that renders a workload.
type Strategy struct {
	reader   client.Reader
	writer   *guardrail.Writer
	releases *helm.Releases
	memory   helm.MemoryPlanner
}

// New returns the strategy: it reads HelmReleases and workloads with reader, the Helm release
// records with releases, takes memory raises from planner, and writes only through writer.
func New(reader client.Reader, writer *guardrail.Writer, releases *helm.Releases, planner helm.MemoryPlanner) *Strategy {
	return &Strategy{reader: reader, writer: writer, releases: releases, memory: planner}
}

// Plan computes the merge patch of the HelmRelease's spec.values, changing nothing. It
// refuses Kustomization-applied targets (GitOpsManaged) and HelmReleases a Kustomization applies
// (ManagedByKustomization), a rollback with no earlier deployed revision, a change with no proven
// values path, and actions other than set_memory_limit and rollback; ErrNotFluxManaged for a
// target Flux does not manage.
func (s *Strategy) Plan(ctx context.Context, act action.Action, owner managedby.Resolution) (v1alpha1.Change, error) {
	d := owner.Details
	if owner.Method != managedby.Flux {
		return v1alpha1.Change{}, fmt.Errorf("plan %s: %w (%s-managed)", act, ErrNotFluxManaged, owner.Method)
	}
	ns := d[managedby.DetailFluxNamespace]
	if ns == "" {
		ns = owner.Workload.Namespace
	}
	if kind := d[managedby.DetailFluxKind]; kind != "HelmRelease" {
		return v1alpha1.Change{}, action.Refuse(ReasonGitOpsManaged, false,
			"%s is applied by Flux %s %s/%s from Git, which would revert a change made here: change it in Git", owner.Workload, kind, ns, d[managedby.DetailFluxName])
	}
	hr, err := s.helmRelease(ctx, ns, d[managedby.DetailFluxName])
	if err != nil {
		return v1alpha1.Change{}, err
	}
	if k := hr.GetLabels()[managedby.LabelFluxKustomizationName]; k != "" {
		return v1alpha1.Change{}, action.Refuse(ReasonManagedByKustomization, false,
			"HelmRelease %s/%s is applied by Flux Kustomization %s, which would revert a change to its values: change them in Git",
			hr.GetNamespace(), hr.GetName(), k)
	}
	relNs, relName := releaseOf(hr, d)
	hist, err := s.releases.History(ctx, relNs, relName)
	if errors.Is(err, helm.ErrReleaseNotFound) {
		return v1alpha1.Change{}, action.Refuse(v1alpha1.ReasonOwnerNotFound, false,
			"HelmRelease %s/%s has no Helm release %s/%s yet (Flux has not installed it)", hr.GetNamespace(), hr.GetName(), relNs, relName)
	}
	if err != nil {
		return v1alpha1.Change{}, err
	}
	t := target{hr: hr, hist: hist, rel: chartvalues.Release{Name: relName, Namespace: relNs},
		w: chartvalues.Workload{Kind: owner.Workload.Kind, Namespace: owner.Workload.Namespace, Name: owner.Workload.Name, Container: act.Container}}
	var o chartvalues.Override
	var base *renderBase
	var what string
	switch act.Type {
	case action.SetMemoryLimit:
		o, base, what, err = s.planMemory(ctx, t, act, owner)
	case action.Rollback:
		o, base, what, err = planImage(t)
	default:
		err = action.Refuse(ReasonUnsupportedAction, false,
			"the Flux HelmRelease strategy does not carry out %s: only values changes (set_memory_limit, rollback of an image) go through a HelmRelease", act.Type)
	}
	if err != nil {
		return v1alpha1.Change{}, err
	}
	return change(t, o, base, what)
}

// helmRelease reads the HelmRelease.
func (s *Strategy) helmRelease(ctx context.Context, namespace, name string) (*unstructured.Unstructured, error) {
	hr := &unstructured.Unstructured{}
	hr.SetAPIVersion(HelmReleaseAPIVersion)
	hr.SetKind("HelmRelease")
	err := s.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, hr)
	if apierrors.IsNotFound(err) {
		return nil, action.Refuse(v1alpha1.ReasonOwnerNotFound, false, "HelmRelease %s/%s, which renders the target, does not exist", namespace, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read HelmRelease %s/%s: %w", namespace, name, err)
	}
	return hr, nil
}

// releaseOf is the Helm release the HelmRelease makes: the resolver's, else Flux's defaults
// (spec.releaseName, else [targetNamespace-]name, stored in spec.storageNamespace, else the
// HelmRelease's namespace).
func releaseOf(hr *unstructured.Unstructured, d map[string]string) (namespace, name string) {
	if d[managedby.DetailHelmRelease] != "" && d[managedby.DetailHelmNamespace] != "" {
		return d[managedby.DetailHelmNamespace], d[managedby.DetailHelmRelease]
	}
	name, _, _ = unstructured.NestedString(hr.Object, "spec", "releaseName")
	if name == "" {
		name = hr.GetName()
		if tn, _, _ := unstructured.NestedString(hr.Object, "spec", "targetNamespace"); tn != "" {
			name = tn + "-" + name
		}
	}
	namespace, _, _ = unstructured.NestedString(hr.Object, "spec", "storageNamespace")
	if namespace == "" {
		namespace = hr.GetNamespace()
	}
	return namespace, name
}

// Apply merge-patches the HelmRelease through the guardrail; the same patch twice is one.
func (s *Strategy) Apply(ctx context.Context, p *guardrail.Permit, ch v1alpha1.Change) error {
	return s.writer.Apply(ctx, p, ch)
}

// Undo puts the previous value back through the guardrail.
func (s *Strategy) Undo(ctx context.Context, p *guardrail.Permit, ch v1alpha1.Change) error {
	return s.writer.Undo(ctx, p, ch)
}

func objectRef(hr *unstructured.Unstructured) v1alpha1.ObjectRef {
	return v1alpha1.ObjectRef{APIVersion: hr.GetAPIVersion(), Kind: hr.GetKind(), Namespace: hr.GetNamespace(), Name: hr.GetName(), UID: string(hr.GetUID())}
}
