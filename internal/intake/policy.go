package intake

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/yaml"
)

// PolicyConfigMap is the default name of the ConfigMap, in the engine's namespace, that holds
// the auto-remediation policy under the key PolicyKey.
const (
	PolicyConfigMap = "coordination-engine-autoremediation"
	PolicyKey       = "policy.yaml"
)

// Mode is what the engine does with a signal.
type Mode string

// Modes.
const (
	// Automatic opens an incident and a workflow that goes through the safety gate.
	Automatic Mode = "automatic"
	// Approval opens an incident and a workflow that waits for a person's approval.
	Approval Mode = "approval"
	// IncidentOnly opens an incident and leaves the rest to people.
	IncidentOnly Mode = "incident"
)

// Rule matches signals by kind and namespace. Empty lists match everything.
type Rule struct {
	// Signals are issue types (pod_crash, node_not_ready, ...) or globs of them (node_*).
	Signals []string `json:"signals,omitempty"`
	// Namespaces are namespace globs (path.Match). Cluster-scoped targets (nodes, cluster
	// operators) have the namespace "" and match only a rule without namespaces.
	Namespaces []string `json:"namespaces,omitempty"`
	// Mode is automatic, approval or incident.
	Mode Mode `json:"mode"`
}

// Policy is the auto-remediation policy: the first matching rule decides; without one,
// Default does. The ConfigMap's rules come before the built-in ones, so a ConfigMap holds only
// its exceptions:
//
//	apiVersion: v1
//	kind: ConfigMap
//	metadata:
//	  name: coordination-engine-autoremediation
//	data:
//	  policy.yaml: |
//	    rules:
//	    - namespaces: ["payments"]
//	      signals: ["oom_kill"]
//	      mode: approval
//	    - signals: ["node_*"]
//	      mode: automatic
//	    default: incident
type Policy struct {
	Rules   []Rule `json:"rules,omitempty"`
	Default Mode   `json:"default,omitempty"`
}

// BuiltinRules are the rules every policy ends with: incident only in the cluster's own
// namespaces (and the engine's, which the caller adds), approval for node actions, automatic
// for the low-risk application actions (restart, rollback, raising a memory limit).
func BuiltinRules(engineNamespace string) []Rule {
	protected := []string{"kube-*", "openshift-*"}
	if engineNamespace != "" {
		protected = append(protected, engineNamespace)
	}
	return []Rule{
		{Namespaces: protected, Mode: IncidentOnly},
		{Signals: []string{"node_*"}, Mode: Approval},
		{Signals: []string{"pod_crash", "oom_kill", "image_pull", "stuck_rollout"}, Mode: Automatic},
	}
}

// DefaultPolicy is the policy without a ConfigMap: the built-in rules and incident only for
// everything else (configuration errors, degraded cluster operators, alerts the engine has no
// action for).
func DefaultPolicy(engineNamespace string) Policy {
	return Policy{Rules: BuiltinRules(engineNamespace), Default: IncidentOnly}
}

// ParsePolicy reads the ConfigMap's data: its rules, then the built-in ones. An unknown key, an
// unknown field, a bad mode or a bad glob is an error naming it.
func ParsePolicy(data map[string]string, engineNamespace string) (Policy, error) {
	p := DefaultPolicy(engineNamespace)
	for k := range data {
		if k != PolicyKey {
			return p, fmt.Errorf("key %q: unknown; the policy goes under %q", k, PolicyKey)
		}
	}
	raw, ok := data[PolicyKey]
	if !ok || strings.TrimSpace(raw) == "" {
		return p, nil
	}
	var got Policy
	if err := yaml.UnmarshalStrict([]byte(raw), &got); err != nil {
		return p, fmt.Errorf("%s: %w", PolicyKey, err)
	}
	var errs []error
	for i, r := range got.Rules {
		if err := r.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: rules[%d]: %w", PolicyKey, i, err))
		}
	}
	if got.Default != "" {
		if err := got.Default.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: default: %w", PolicyKey, err))
		}
		p.Default = got.Default
	}
	if len(errs) > 0 {
		return p, errors.Join(errs...)
	}
	p.Rules = append(got.Rules, p.Rules...)
	return p, nil
}

func (m Mode) validate() error {
	switch m {
	case Automatic, Approval, IncidentOnly:
		return nil
	}
	return fmt.Errorf("mode %q: must be automatic, approval or incident", m)
}

func (r Rule) validate() error {
	if err := r.Mode.validate(); err != nil {
		return err
	}
	for _, g := range append(append([]string{}, r.Signals...), r.Namespaces...) {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("glob %q: %w", g, err)
		}
	}
	return nil
}

// Decide returns the mode for a signal of kind signal (an issue type; "" for a signal the
// engine has no action for) on a target in namespace ("" when cluster-scoped), and the rule
// that decided, for the record. A signal without an action is always incident only.
func (p Policy) Decide(signal, namespace string) (Mode, string) {
	if signal == "" {
		return IncidentOnly, "the engine has no action for this signal"
	}
	for i, r := range p.Rules {
		if r.matches(signal, namespace) {
			return r.Mode, fmt.Sprintf("rule %d (signals %v, namespaces %v)", i, r.Signals, r.Namespaces)
		}
	}
	return p.Default, "the policy's default"
}

func (r Rule) matches(signal, namespace string) bool {
	if len(r.Signals) > 0 && !anyMatch(r.Signals, signal) {
		return false
	}
	if len(r.Namespaces) > 0 && (namespace == "" || !anyMatch(r.Namespaces, namespace)) {
		return false
	}
	return true
}

func anyMatch(globs []string, s string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}
