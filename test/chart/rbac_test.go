package chart

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"selfhealing.dev/coordination-engine/internal/permissions"
)

// grant is one permission: a verb on a group's resource (and subresource), in the release
// namespace only or cluster-wide.
type grant struct {
	Group, Resource, Subresource, Verb string
	Namespaced                         bool
}

func (g grant) String() string {
	r := g.Resource
	if g.Subresource != "" {
		r += "/" + g.Subresource
	}
	where := "cluster-wide"
	if g.Namespaced {
		where = "in the release namespace"
	}
	return fmt.Sprintf("%s %s.%s %s", g.Verb, r, g.Group, where)
}

// apiAuthFeature is the Feature of the requirements only API_AUTH_MODE=kubernetes has.
const apiAuthFeature = "api-auth"

// required is permissions.Requirements() as grants; the api-auth rows only when withAPIAuth.
func required(withAPIAuth bool) map[grant]bool {
	out := map[grant]bool{}
	for _, r := range permissions.Requirements() {
		if r.Feature == apiAuthFeature && !withAPIAuth {
			continue
		}
		out[grant{Group: r.Group, Resource: r.Resource, Subresource: r.Subresource, Verb: r.Verb, Namespaced: r.Namespaced}] = true
	}
	return out
}

// engineGrants expands the rules of every ClusterRole and Role the rendering binds to the
// engine's ServiceAccount into grants: a ClusterRoleBinding's cluster-wide, a RoleBinding's in
// its namespace. Wildcards, resource names and non-resource URLs are problems: the engine's
// RBAC names what it uses.
func engineGrants(objs Objects, namespace string) (map[grant]bool, []string) {
	out := map[grant]bool{}
	var problems []string
	addRules := func(from string, rules []rbacv1.PolicyRule, namespaced bool) {
		for _, r := range rules {
			if len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
				problems = append(problems, fmt.Sprintf("%s: rule %+v names resources or URLs", from, r))
			}
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					for _, v := range r.Verbs {
						if g == "*" || res == "*" || v == "*" {
							problems = append(problems, fmt.Sprintf("%s: rule %+v has a wildcard", from, r))
							continue
						}
						resource, sub, _ := strings.Cut(res, "/")
						out[grant{Group: g, Resource: resource, Subresource: sub, Verb: v, Namespaced: namespaced}] = true
					}
				}
			}
		}
	}
	isEngine := func(subjects []rbacv1.Subject) bool {
		return slices.ContainsFunc(subjects, func(s rbacv1.Subject) bool {
			return s.Kind == rbacv1.ServiceAccountKind && s.Name == Name && s.Namespace == namespace
		})
	}
	rulesOf := func(kind, name string) ([]rbacv1.PolicyRule, error) {
		if kind == "ClusterRole" {
			var r rbacv1.ClusterRole
			err := objs.Into(kind, name, &r)
			return r.Rules, err
		}
		var r rbacv1.Role
		err := objs.Into(kind, name, &r)
		return r.Rules, err
	}
	for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
		for _, u := range objs.OfKind(kind) {
			var b rbacv1.RoleBinding // a ClusterRoleBinding has the same fields
			if err := objs.Into(kind, u.GetName(), &b); err != nil {
				problems = append(problems, err.Error())
				continue
			}
			if !isEngine(b.Subjects) {
				continue
			}
			rules, err := rulesOf(b.RoleRef.Kind, b.RoleRef.Name)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s %s binds a role the chart does not render: %v", kind, b.Name, err))
				continue
			}
			addRules(b.RoleRef.Kind+" "+b.RoleRef.Name, rules, kind == "RoleBinding")
		}
	}
	return out, problems
}

// diffGrants lists what want has and got lacks, and what got has beyond want, sorted.
func diffGrants(got, want map[grant]bool) (missing, extra []string) {
	for g := range want {
		if !got[g] {
			missing = append(missing, g.String())
		}
	}
	for g := range got {
		if !want[g] {
			extra = append(extra, g.String())
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

// The RBAC bound to the engine's ServiceAccount grants exactly what the code uses
// (permissions.Requirements(): cluster-wide rows in the ClusterRole, namespaced rows in the
// release namespace's Role): nothing missing, nothing the code never uses. The api-auth rows
// are granted only with apiAuth.mode=kubernetes; rbac.extraClusterRules add exactly their rules.
func TestChartRBACIsExactlyTheRequirements(t *testing.T) {
	hasAPIAuthRows := slices.ContainsFunc(permissions.Requirements(), func(r permissions.Requirement) bool { return r.Feature == apiAuthFeature })
	extraRule := map[string]any{"apiGroups": []any{"example.com"}, "resources": []any{"caches"}, "verbs": []any{"get", "patch"}}
	tests := []struct {
		name   string
		values map[string]any
		want   func() map[grant]bool
		skip   string
	}{
		{"the chart's defaults", nil, func() map[grant]bool { return required(false) }, ""},
		{"the ADR-038 block with two replicas", with(adr038Block(), "replicas", 2), func() map[grant]bool { return required(false) }, ""},
		{"API tokens from a Secret", map[string]any{"apiAuth": map[string]any{"mode": "token", "tokensSecret": "t"}},
			func() map[grant]bool { return required(false) }, ""},
		{"apiAuth.mode=kubernetes", map[string]any{"apiAuth": map[string]any{"mode": "kubernetes"}},
			func() map[grant]bool { return required(true) }, map[bool]string{false: "permissions.Requirements() lists no api-auth rows yet"}[hasAPIAuthRows]},
		{"an operator's custom resources granted per installation", map[string]any{"rbac": map[string]any{"extraClusterRules": []any{extraRule}}},
			func() map[grant]bool {
				w := required(false)
				w[grant{Group: "example.com", Resource: "caches", Verb: "get"}] = true
				w[grant{Group: "example.com", Resource: "caches", Verb: "patch"}] = true
				return w
			}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				t.Skip(tt.skip)
			}
			got, problems := engineGrants(render(t, tt.values), releaseNamespace)
			for _, p := range problems {
				t.Error(p)
			}
			missing, extra := diffGrants(got, tt.want())
			for _, m := range missing {
				t.Errorf("the chart does not grant %s, which the engine uses", m)
			}
			for _, e := range extra {
				t.Errorf("the chart grants %s, which the engine never uses", e)
			}
		})
	}

	t.Run("rbac.create=false renders no RBAC", func(t *testing.T) {
		objs := render(t, map[string]any{"rbac": map[string]any{"create": false}})
		for _, kind := range []string{"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"} {
			if n := len(objs.OfKind(kind)); n != 0 {
				t.Errorf("%d %s with rbac.create=false", n, kind)
			}
		}
	})
}
