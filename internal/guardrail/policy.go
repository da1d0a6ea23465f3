package guardrail

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"selfhealing.dev/coordination-engine/internal/action"
)

// PolicyConfigMap is the name of the ConfigMap, in the engine's namespace, that holds the
// safety policy.
const PolicyConfigMap = "coordination-engine-safety"

// The keys of the safety ConfigMap's data. Every key is optional; an absent key keeps its
// default. An unknown key is an error, so that a typo (`pasued: "true"`) never passes silently.
const (
	KeyPaused                = "paused"
	KeyProtectedNamespaces   = "protectedNamespaces"
	KeyCooldown              = "cooldown"
	KeyDedupWindow           = "dedupWindow"
	KeyBudgetWindow          = "budgetWindow"
	KeyNamespaceBudget       = "namespaceBudget"
	KeyClusterBudget         = "clusterBudget"
	KeyMaxUnavailablePercent = "maxUnavailablePercent"
	KeyApprovalRequired      = "approvalRequired"
	KeyConfidenceThreshold   = "confidenceThreshold"
	KeyMaxNodesInFlight      = "maxNodesInFlight"
	KeyMinHealthyNodes       = "minHealthyNodes"
)

const (
	maxDuration = 24 * time.Hour
	maxBudget   = 10000
)

// Policy is the safety policy the Gate enforces. It is read from the data of the ConfigMap
// PolicyConfigMap, one flat key per field (strings, as ConfigMap data always is):
//
//	apiVersion: v1
//	kind: ConfigMap
//	metadata:
//	  name: coordination-engine-safety
//	  namespace: <the engine's namespace>
//	data:
//	  paused: "false"                             # true | false
//	  protectedNamespaces: "kube-*,openshift-*"   # comma-separated globs (path.Match); "" = none
//	  cooldown: "5m"                              # Go duration, 0s..24h
//	  dedupWindow: "1m"                           # Go duration, 0s..24h
//	  budgetWindow: "1h"                          # Go duration, 1s..24h
//	  namespaceBudget: "5"                        # integer 0..10000
//	  clusterBudget: "20"                         # integer 0..10000
//	  maxUnavailablePercent: "25"                 # integer 0..100, "25%" also accepted
//	  approvalRequired: "node_remediation"        # comma-separated action types or classes; "" = none
//	  confidenceThreshold: "0.8"                  # number 0..1
//
// The engine's own namespace is always protected, whatever protectedNamespaces says: the engine
// must not restart or evict itself in the middle of an action (PolicySource adds it).
type Policy struct {
	// Paused refuses every action while true.
	Paused bool
	// ProtectedNamespaces are globs (path.Match syntax); an action on a target in a matching
	// namespace is refused. Cluster-scoped targets (nodes) have no namespace and never match.
	ProtectedNamespaces []string
	// Cooldown is how long after the same action was applied to the same target it is refused.
	Cooldown time.Duration
	// DedupWindow is how long after the same action was applied to the same target a new
	// request for it counts as a duplicate (an action in flight always does).
	DedupWindow time.Duration
	// BudgetWindow is the sliding window the budgets count applied actions in.
	BudgetWindow time.Duration
	// NamespaceBudget is how many actions a namespace may have applied or in flight within
	// BudgetWindow. Cluster-scoped targets count only toward ClusterBudget.
	NamespaceBudget int
	// ClusterBudget is how many actions the whole cluster may have applied or in flight within
	// BudgetWindow.
	ClusterBudget int
	// MaxUnavailablePercent caps the blast radius: an action may leave at most this percentage
	// of a workload's desired replicas (or of a node pool) unavailable, counting those that are
	// unavailable already. Rounded down, but at least one while the percentage is above zero,
	// so that a single-replica workload can still be healed; 0 forbids every disruption.
	MaxUnavailablePercent int
	// ApprovalRequired are the action types (evict, restart, ...) and classes
	// (node_remediation, ...) that need a person's approval before they are admitted.
	ApprovalRequired []string
	// ConfidenceThreshold is the confidence below which an AI-driven action is refused
	// (LowConfidence), whether or not it competes with another action.
	ConfidenceThreshold float64
	// MaxNodesInFlight is how many nodes the engine may hold (cordoned, draining, waiting for
	// them to recover) at once.
	MaxNodesInFlight int
	// MinHealthyNodes is how many Ready, schedulable nodes must remain after a node action.
	MinHealthyNodes int
}

// DefaultPolicy is the policy without a ConfigMap: nothing paused, kube-* and openshift-*
// protected, a 5 minute cooldown, a 1 minute dedup window, 5 actions a namespace and 20 a
// cluster per hour, at most 25 % of a workload disrupted, evictions (node_remediation) only
// with approval, AI-driven actions only from 0.8 confidence up.
func DefaultPolicy() Policy {
	return Policy{
		ProtectedNamespaces:   []string{"kube-*", "openshift-*"},
		Cooldown:              5 * time.Minute,
		DedupWindow:           time.Minute,
		BudgetWindow:          time.Hour,
		NamespaceBudget:       5,
		ClusterBudget:         20,
		MaxUnavailablePercent: 25,
		ApprovalRequired:      []string{string(action.ClassNodeRemediation)},
		ConfidenceThreshold:   0.8,
		MaxNodesInFlight:      1,
		MinHealthyNodes:       1,
	}
}

// ParsePolicy reads a policy from a ConfigMap's data; absent keys keep DefaultPolicy's values.
// Every bad key yields a *PolicyError naming it and the accepted values; they are joined. On
// error the returned policy still carries every key that was valid (so a paused or protected
// namespace setting is honoured in the refusal's reason), but the Gate refuses every action.
func ParsePolicy(data map[string]string) (Policy, error) {
	p := DefaultPolicy()
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if err := p.set(k, data[k]); err != nil {
			errs = append(errs, err)
		}
	}
	return p, errors.Join(errs...)
}

func (p *Policy) set(key, raw string) error {
	v := strings.TrimSpace(raw)
	bad := func(accepted string) error { return &PolicyError{Key: key, Value: raw, Accepted: accepted} }
	switch key {
	case KeyPaused:
		switch v {
		case "true":
			p.Paused = true
		case "false":
			p.Paused = false
		default:
			return bad("true or false")
		}
	case KeyProtectedNamespaces:
		globs := splitList(v)
		for _, g := range globs {
			if _, err := path.Match(g, ""); err != nil {
				return bad("a comma-separated list of namespace globs (path.Match syntax)")
			}
		}
		p.ProtectedNamespaces = globs
	case KeyCooldown, KeyDedupWindow, KeyBudgetWindow:
		minimum := time.Duration(0)
		if key == KeyBudgetWindow {
			minimum = time.Second
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < minimum || d > maxDuration {
			return bad(fmt.Sprintf("a Go duration between %s and %s (e.g. 5m)", minimum, maxDuration))
		}
		*p.duration(key) = d
	case KeyNamespaceBudget, KeyClusterBudget, KeyMaxNodesInFlight, KeyMinHealthyNodes:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxBudget {
			return bad(fmt.Sprintf("an integer between 0 and %d", maxBudget))
		}
		*p.count(key) = n
	case KeyMaxUnavailablePercent:
		n, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
		if err != nil || n < 0 || n > 100 {
			return bad("an integer percentage between 0 and 100 (e.g. 25 or 25%)")
		}
		p.MaxUnavailablePercent = n
	case KeyApprovalRequired:
		names := splitList(v)
		for _, n := range names {
			if !slices.Contains(approvable(), n) {
				return bad("a comma-separated list of action types or classes: " + strings.Join(approvable(), ", "))
			}
		}
		p.ApprovalRequired = names
	case KeyConfidenceThreshold:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return bad("a number between 0 and 1 (e.g. 0.8)")
		}
		p.ConfidenceThreshold = f
	default:
		return &PolicyError{Key: key, Value: raw, Accepted: "a known key (" + strings.Join(policyKeys(), ", ") + ")"}
	}
	return nil
}

func (p *Policy) count(key string) *int {
	switch key {
	case KeyNamespaceBudget:
		return &p.NamespaceBudget
	case KeyClusterBudget:
		return &p.ClusterBudget
	case KeyMaxNodesInFlight:
		return &p.MaxNodesInFlight
	default:
		return &p.MinHealthyNodes
	}
}

func (p *Policy) duration(key string) *time.Duration {
	switch key {
	case KeyCooldown:
		return &p.Cooldown
	case KeyDedupWindow:
		return &p.DedupWindow
	default:
		return &p.BudgetWindow
	}
}

// Data encodes p as ConfigMap data that ParsePolicy reads back to p.
func (p Policy) Data() map[string]string {
	return map[string]string{
		KeyPaused:                strconv.FormatBool(p.Paused),
		KeyProtectedNamespaces:   strings.Join(p.ProtectedNamespaces, ","),
		KeyCooldown:              p.Cooldown.String(),
		KeyDedupWindow:           p.DedupWindow.String(),
		KeyBudgetWindow:          p.BudgetWindow.String(),
		KeyNamespaceBudget:       strconv.Itoa(p.NamespaceBudget),
		KeyClusterBudget:         strconv.Itoa(p.ClusterBudget),
		KeyMaxUnavailablePercent: strconv.Itoa(p.MaxUnavailablePercent),
		KeyApprovalRequired:      strings.Join(p.ApprovalRequired, ","),
		KeyConfidenceThreshold:   strconv.FormatFloat(p.ConfidenceThreshold, 'g', -1, 64),
		KeyMaxNodesInFlight:      strconv.Itoa(p.MaxNodesInFlight),
		KeyMinHealthyNodes:       strconv.Itoa(p.MinHealthyNodes),
	}
}

// protects reports whether namespace ns matches one of the protected globs.
func (p Policy) protects(ns string) (string, bool) {
	if ns == "" {
		return "", false
	}
	for _, g := range p.ProtectedNamespaces {
		if ok, _ := path.Match(g, ns); ok {
			return g, true
		}
	}
	return "", false
}

// needsApproval reports whether action type t of class c needs approval.
func (p Policy) needsApproval(t action.Type, c action.Class) bool {
	return slices.Contains(p.ApprovalRequired, string(t)) || slices.Contains(p.ApprovalRequired, string(c))
}

func policyKeys() []string {
	return []string{KeyPaused, KeyProtectedNamespaces, KeyCooldown, KeyDedupWindow, KeyBudgetWindow,
		KeyNamespaceBudget, KeyClusterBudget, KeyMaxUnavailablePercent, KeyApprovalRequired, KeyConfidenceThreshold,
		KeyMaxNodesInFlight, KeyMinHealthyNodes}
}

// approvable are the names approvalRequired accepts: every action type and class.
func approvable() []string {
	return []string{
		string(action.Restart), string(action.Rollback), string(action.SetMemoryLimit), string(action.Scale),
		string(action.Evict), string(action.PatchCustomResource), string(action.Cordon), string(action.Drain),
		string(action.ClassNodeRemediation), string(action.ClassResourceScaling), string(action.ClassModelInference),
		string(action.ClassAlertCorrelation), string(action.ClassWorkload),
	}
}

// splitList splits a comma-separated list, trimming entries and dropping empty ones; nil when
// nothing is left.
func splitList(v string) []string {
	var out []string
	for e := range strings.SplitSeq(v, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
