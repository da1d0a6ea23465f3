package coordination

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/detection"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// MaxResources is how many resources one coordination request may name, and how many items its
// plan may hold (the RemediationWorkflow CRD's limit).
const MaxResources = 50

// maxWhy is the length limit of PlanItem.Why.
const maxWhy = 1024

// Resolver resolves a workload's owner chain and deployment method (managedby.Resolver).
type Resolver interface {
	Resolve(ctx context.Context, target v1alpha1.Target) (managedby.Resolution, error)
}

// Resource is one resource of a coordination request, as the client named it.
type Resource struct {
	// Kind is one of Kinds(), matched case-insensitively.
	Kind string
	// Namespace is required for namespaced kinds and ignored for cluster-scoped ones.
	Namespace string
	// Name is the object's name.
	Name string
	// Issue is the resource's problem; its Type is normalised by Plan (issue.Normalize).
	Issue v1alpha1.Issue
}

// Planner orders a coordination request's resources into layers. It reads the cluster and never
// writes to it.
type Planner struct {
	resolver Resolver
	reader   client.Reader
}

// NewPlanner returns a Planner that resolves owner chains with resolver and reads Nodes, Pods and
// workloads with reader (uncached: the engine does not cache every Pod).
func NewPlanner(resolver Resolver, reader client.Reader) *Planner {
	return &Planner{resolver: resolver, reader: reader}
}

// Plan returns the plan for resources: one item per distinct resource and issue with its layer
// and why, plus an infrastructure item for every node a workload's pods run on that shows a
// node symptom (NotReady, pressure) and is not listed already; sorted by layer, then in request
// order (nodes found by placement after the listed ones). rootCauseLayer is the first layer of
// the plan.
//
// An invalid resource is a *FieldError naming the field (resources[2].kind); more than
// MaxResources resources, or a plan that would grow beyond it, is a *FieldError on resources. A
// Node or workload that does not exist is an error wrapping managedby.ErrTargetNotFound; read
// errors are returned wrapped.
func (p *Planner) Plan(ctx context.Context, resources []Resource) (items []v1alpha1.PlanItem, rootCauseLayer string, err error) {
	switch {
	case len(resources) == 0:
		return nil, "", fieldError("resources", "at least one resource is required")
	case len(resources) > MaxResources:
		return nil, "", fieldError("resources", "at most %d resources are allowed, not %d", MaxResources, len(resources))
	}
	for i, r := range resources {
		target, typ, err := validResource(i, r)
		if err != nil {
			return nil, "", err
		}
		layer, why, err := p.layerOf(ctx, target)
		if err != nil {
			return nil, "", err
		}
		is := r.Issue
		is.Type = string(typ)
		items = append(items, v1alpha1.PlanItem{Layer: layer, Target: target, Issue: is, Why: truncate(why, maxWhy)})
	}
	nodes, err := p.placement(ctx, items)
	if err != nil {
		return nil, "", err
	}
	items = dedupe(append(items, nodes...))
	if len(items) > MaxResources {
		return nil, "", fieldError("resources", "the plan would have %d items with the nodes the workloads run on; at most %d are allowed",
			len(items), MaxResources)
	}
	slices.SortStableFunc(items, func(a, b v1alpha1.PlanItem) int { return cmp.Compare(layerRank(a.Layer), layerRank(b.Layer)) })
	return items, items[0].Layer, nil
}

// validResource checks resource i and returns its target (canonical kind, no namespace for a
// cluster-scoped kind) and normalised issue type.
func validResource(i int, r Resource) (v1alpha1.Target, issue.Type, error) {
	field := func(name string) string { return fmt.Sprintf("resources[%d].%s", i, name) }
	if strings.TrimSpace(r.Kind) == "" {
		return v1alpha1.Target{}, "", fieldError(field("kind"), "%s is required", field("kind"))
	}
	kind, ok := CanonicalKind(r.Kind)
	if !ok {
		return v1alpha1.Target{}, "", fieldError(field("kind"), "%s %q is not one of: %s", field("kind"), r.Kind, Kinds())
	}
	if r.Name == "" {
		return v1alpha1.Target{}, "", fieldError(field("name"), "%s is required", field("name"))
	}
	if errs := validation.IsDNS1123Subdomain(r.Name); len(errs) > 0 {
		return v1alpha1.Target{}, "", fieldError(field("name"), "%s %q is not a valid Kubernetes name: %s", field("name"), r.Name, strings.Join(errs, "; "))
	}
	target := v1alpha1.Target{Kind: kind, Name: r.Name}
	if Namespaced(kind) {
		if r.Namespace == "" {
			return v1alpha1.Target{}, "", fieldError(field("namespace"), "%s is required for a %s", field("namespace"), kind)
		}
		if errs := validation.IsDNS1123Label(r.Namespace); len(errs) > 0 {
			return v1alpha1.Target{}, "", fieldError(field("namespace"), "%s %q is not a valid namespace name: %s", field("namespace"), r.Namespace, strings.Join(errs, "; "))
		}
		target.Namespace = r.Namespace
	}
	if r.Issue.Type == "" {
		return v1alpha1.Target{}, "", fieldError(field("issue"), "%s is required", field("issue"))
	}
	typ, ok := issue.Normalize(r.Issue.Type)
	if !ok {
		return v1alpha1.Target{}, "", fieldError(field("issue"), "%s %q is not known; accepted: %s", field("issue"), r.Issue.Type, issue.Accepted())
	}
	return target, typ, nil
}

// layerOf finds the target's layer and says how.
func (p *Planner) layerOf(ctx context.Context, target v1alpha1.Target) (layer, why string, err error) {
	info := kinds[target.Kind]
	switch {
	case target.Kind == "Node":
		var n corev1.Node
		if err := p.reader.Get(ctx, client.ObjectKey{Name: target.Name}, &n); err != nil {
			if apierrors.IsNotFound(err) {
				return "", "", fmt.Errorf("%w: Node %s", managedby.ErrTargetNotFound, target.Name)
			}
			return "", "", fmt.Errorf("read Node %s: %w", target.Name, err)
		}
		why := info.why
		for _, s := range detection.Node(&n) {
			why += "; it shows " + s.Message
		}
		return info.layer, why, nil
	case info.layer != "":
		return info.layer, info.why, nil
	}
	res, err := p.resolver.Resolve(ctx, target)
	if err != nil {
		return "", "", fmt.Errorf("resolve %s: %w", target, err)
	}
	layer, why = workloadLayer(target, res)
	return layer, why, nil
}

// workloadLayer is a workload's layer from its resolution: platform when its top controller
// belongs to an operator OLM installed, or when it runs in a namespace of the platform;
// application otherwise.
func workloadLayer(target v1alpha1.Target, res managedby.Resolution) (layer, why string) {
	top := res.Top
	if top.Kind == "" {
		top = res.Target
	}
	chain := chainOf(target, res)
	if olm := res.Details[managedby.DetailOLMOperator]; res.Method == managedby.Operator && olm != "" {
		return LayerPlatform, fmt.Sprintf("owner chain %s ends in %s, which belongs to operator %s installed by OLM: a platform component",
			chain, top, olm)
	}
	if platformNamespace(target.Namespace) {
		return LayerPlatform, fmt.Sprintf("placement: it runs in namespace %s, a namespace of the platform (openshift-*, kube-*); owner chain %s",
			target.Namespace, chain)
	}
	return LayerApplication, fmt.Sprintf("a workload outside the platform's namespaces whose owner chain %s ends in %s (deployment method %s)",
		chain, top, res.Method)
}

// chainOf renders the owner chain: "Pod shop/web-1 → ReplicaSet web-7d → Deployment web".
func chainOf(target v1alpha1.Target, res managedby.Resolution) string {
	parts := []string{target.Kind + " " + target.Namespace + "/" + target.Name}
	for _, o := range res.Chain {
		parts = append(parts, o.Kind+" "+o.Name)
	}
	return strings.Join(parts, " → ")
}

// dedupe drops items identical in layer, target and issue type to an earlier one.
func dedupe(items []v1alpha1.PlanItem) []v1alpha1.PlanItem {
	seen := map[string]bool{}
	out := items[:0]
	for _, it := range items {
		key := it.Layer + "|" + it.Target.String() + "|" + it.Issue.Type
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, it)
	}
	return out
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
