package guardrail

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParsePolicyWithoutDataIsTheDefault(t *testing.T) {
	for _, data := range []map[string]string{nil, {}} {
		got, err := ParsePolicy(data)
		if err != nil {
			t.Fatalf("ParsePolicy(%v) error = %v", data, err)
		}
		if d := cmp.Diff(DefaultPolicy(), got); d != "" {
			t.Errorf("ParsePolicy(%v) (-want +got):\n%s", data, d)
		}
	}
}

func TestDefaultPolicyIsSafe(t *testing.T) {
	p := DefaultPolicy()
	want := Policy{ProtectedNamespaces: []string{"kube-*", "openshift-*"}, Cooldown: 5 * time.Minute,
		DedupWindow: time.Minute, BudgetWindow: time.Hour, NamespaceBudget: 5, ClusterBudget: 20,
		MaxUnavailablePercent: 25, ApprovalRequired: []string{"node_remediation"}, ConfidenceThreshold: 0.8,
		MaxNodesInFlight: 1, MinHealthyNodes: 1}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("DefaultPolicy() (-want +got):\n%s", d)
	}
}

func TestParsePolicyKeys(t *testing.T) {
	tests := []struct {
		name string
		key  string
		val  string
		want func(*Policy)
	}{
		{"paused true pauses", KeyPaused, "true", func(p *Policy) { p.Paused = true }},
		{"paused false runs", KeyPaused, " false ", func(p *Policy) { p.Paused = false }},
		{"protected namespaces are a glob list", KeyProtectedNamespaces, "kube-*, openshift-*,payments", func(p *Policy) {
			p.ProtectedNamespaces = []string{"kube-*", "openshift-*", "payments"}
		}},
		{"an empty protected list protects nothing", KeyProtectedNamespaces, "", func(p *Policy) { p.ProtectedNamespaces = nil }},
		{"cooldown is a duration", KeyCooldown, "90s", func(p *Policy) { p.Cooldown = 90 * time.Second }},
		{"a zero cooldown is allowed", KeyCooldown, "0s", func(p *Policy) { p.Cooldown = 0 }},
		{"dedupWindow is a duration", KeyDedupWindow, "2m", func(p *Policy) { p.DedupWindow = 2 * time.Minute }},
		{"budgetWindow is a duration", KeyBudgetWindow, "24h", func(p *Policy) { p.BudgetWindow = 24 * time.Hour }},
		{"namespaceBudget is an integer", KeyNamespaceBudget, "3", func(p *Policy) { p.NamespaceBudget = 3 }},
		{"clusterBudget is an integer", KeyClusterBudget, "0", func(p *Policy) { p.ClusterBudget = 0 }},
		{"maxUnavailablePercent is an integer", KeyMaxUnavailablePercent, "50", func(p *Policy) { p.MaxUnavailablePercent = 50 }},
		{"maxUnavailablePercent may carry a percent sign", KeyMaxUnavailablePercent, "10%", func(p *Policy) { p.MaxUnavailablePercent = 10 }},
		{"approvalRequired lists types and classes", KeyApprovalRequired, "evict,resource_scaling", func(p *Policy) {
			p.ApprovalRequired = []string{"evict", "resource_scaling"}
		}},
		{"an empty approval list needs no approval", KeyApprovalRequired, "", func(p *Policy) { p.ApprovalRequired = nil }},
		{"confidenceThreshold is a number", KeyConfidenceThreshold, "0.65", func(p *Policy) { p.ConfidenceThreshold = 0.65 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := DefaultPolicy()
			tt.want(&want)
			got, err := ParsePolicy(map[string]string{tt.key: tt.val})
			if err != nil {
				t.Fatalf("ParsePolicy(%s: %q) error = %v", tt.key, tt.val, err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ParsePolicy(%s: %q) (-want +got):\n%s", tt.key, tt.val, d)
			}
		})
	}
}

func TestParsePolicyBadValues(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		val      string
		accepted string // part of the error's accepted values
	}{
		{"paused must be true or false", KeyPaused, "yes", "true or false"},
		{"a protected glob must be valid", KeyProtectedNamespaces, "kube-[", "namespace globs"},
		{"cooldown must be a duration", KeyCooldown, "5", "Go duration"},
		{"cooldown must not be negative", KeyCooldown, "-1m", "Go duration"},
		{"cooldown must be at most a day", KeyCooldown, "25h", "Go duration"},
		{"dedupWindow must be a duration", KeyDedupWindow, "soon", "Go duration"},
		{"budgetWindow must be at least a second", KeyBudgetWindow, "0s", "Go duration between 1s"},
		{"namespaceBudget must be an integer", KeyNamespaceBudget, "five", "integer"},
		{"namespaceBudget must not be negative", KeyNamespaceBudget, "-1", "integer"},
		{"clusterBudget must be bounded", KeyClusterBudget, "10001", "integer between 0 and 10000"},
		{"maxUnavailablePercent must be at most 100", KeyMaxUnavailablePercent, "101", "between 0 and 100"},
		{"maxUnavailablePercent must be a number", KeyMaxUnavailablePercent, "a quarter", "between 0 and 100"},
		{"approvalRequired must name types or classes", KeyApprovalRequired, "evict,reboot", "action types or classes"},
		{"confidenceThreshold must be at most 1", KeyConfidenceThreshold, "1.5", "between 0 and 1"},
		{"confidenceThreshold must be a number", KeyConfidenceThreshold, "NaN", "between 0 and 1"},
		{"an unknown key is refused", "pasued", "true", "a known key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePolicy(map[string]string{tt.key: tt.val})
			var pe *PolicyError
			if !errors.As(err, &pe) || pe.Key != tt.key || !strings.Contains(pe.Accepted, tt.accepted) {
				t.Fatalf("ParsePolicy(%s: %q) error = %v, want a *PolicyError for %q accepting %q", tt.key, tt.val, err, tt.key, tt.accepted)
			}
			if !strings.Contains(err.Error(), `"`+tt.key+`"`) {
				t.Errorf("ParsePolicy(%s: %q) error = %q, want it to name the key", tt.key, tt.val, err)
			}
			if d := cmp.Diff(DefaultPolicy(), got); d != "" {
				t.Errorf("ParsePolicy(%s: %q) kept (-default +got):\n%s", tt.key, tt.val, d)
			}
		})
	}
}

func TestParsePolicyKeepsValidKeysAndReportsEveryBadOne(t *testing.T) {
	got, err := ParsePolicy(map[string]string{KeyPaused: "true", KeyCooldown: "x", KeyClusterBudget: "-3", KeyNamespaceBudget: "2"})
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *PolicyError
		if errors.As(e, &pe) {
			keys = append(keys, pe.Key)
		}
	}
	if d := cmp.Diff([]string{KeyClusterBudget, KeyCooldown}, keys); d != "" {
		t.Errorf("bad keys (-want +got):\n%s", d)
	}
	if !got.Paused || got.NamespaceBudget != 2 {
		t.Errorf("ParsePolicy kept paused %v and namespaceBudget %d, want true and 2", got.Paused, got.NamespaceBudget)
	}
}

func TestPolicyDataRoundTrips(t *testing.T) {
	p := DefaultPolicy()
	p.Paused, p.ProtectedNamespaces, p.ApprovalRequired, p.ConfidenceThreshold = true, nil, []string{"evict", "scale"}, 0.1
	got, err := ParsePolicy(p.Data())
	if err != nil {
		t.Fatalf("ParsePolicy(Data()) error = %v", err)
	}
	if d := cmp.Diff(p, got); d != "" {
		t.Errorf("ParsePolicy(Data()) (-want +got):\n%s", d)
	}
}

func FuzzParsePolicy(f *testing.F) {
	for k, v := range DefaultPolicy().Data() {
		f.Add(k, v, KeyPaused, "true")
	}
	f.Add(KeyConfidenceThreshold, "-0", KeyMaxUnavailablePercent, "7%")
	f.Add(KeyProtectedNamespaces, " a ,, [b-c]*,", KeyApprovalRequired, "evict,")
	f.Add(KeyCooldown, "1h0m0.5s", "x", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		data := map[string]string{k1: v1, k2: v2}
		p, err := ParsePolicy(data)
		if err != nil {
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var pe *PolicyError
				if !errors.As(e, &pe) || (pe.Key != k1 && pe.Key != k2) {
					t.Fatalf("ParsePolicy(%q) error %v is not a *PolicyError naming a given key", data, e)
				}
			}
			return
		}
		again, err := ParsePolicy(p.Data())
		if err != nil {
			t.Fatalf("ParsePolicy(Data()) of %q error = %v", data, err)
		}
		if d := cmp.Diff(p, again); d != "" {
			t.Fatalf("ParsePolicy(Data()) of %q (-first +again):\n%s", data, d)
		}
	})
}
