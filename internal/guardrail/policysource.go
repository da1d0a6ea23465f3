package guardrail

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/configmapwatch"
)

// PolicySource holds the current safety policy, read from one ConfigMap (by name, in the
// engine's namespace) through an informer on that ConfigMap alone. A missing ConfigMap means
// DefaultPolicy; an invalid one makes Policy return its error, so the Gate refuses every action
// (InvalidPolicy, naming the key) until it is fixed; before the first read Policy returns
// ErrPolicyNotLoaded. Changes apply without a restart. The engine's namespace is always added
// to the protected namespaces.
//
// PolicySource is a manager.Runnable that runs on every replica (NeedLeaderElection is false),
// so the engine adds it to its manager: mgr.Add(src). It needs get, list and watch on
// configmaps in the engine's namespace.
type PolicySource struct {
	client    kubernetes.Interface
	namespace string
	name      string
	log       logr.Logger

	mu     sync.RWMutex
	loaded bool
	policy Policy
	err    error
}

// NewPolicySource returns a source for the ConfigMap namespace/name (name is usually
// PolicyConfigMap); it reads nothing until Start.
func NewPolicySource(c kubernetes.Interface, namespace, name string, log logr.Logger) *PolicySource {
	return &PolicySource{client: c, namespace: namespace, name: name, log: log}
}

// Policy returns the current policy. The error is ErrPolicyNotLoaded before the ConfigMap was
// read once, or the ConfigMap's *PolicyErrors (joined, wrapped with its name); the policy is
// then DefaultPolicy overlaid with the valid keys, for reporting only.
func (s *PolicySource) Policy() (Policy, error) {
	s.mu.RLock()
	p, err, loaded := s.policy, s.err, s.loaded
	s.mu.RUnlock()
	if !loaded {
		p, err = DefaultPolicy(), fmt.Errorf("ConfigMap %s/%s: %w", s.namespace, s.name, ErrPolicyNotLoaded)
	}
	p.ProtectedNamespaces = append(slices.Clip(p.ProtectedNamespaces), s.namespace)
	return p, err
}

// NeedLeaderElection is false: every replica's gate needs the policy.
func (s *PolicySource) NeedLeaderElection() bool { return false }

// Start watches the ConfigMap until ctx ends, then returns nil. Call it once.
func (s *PolicySource) Start(ctx context.Context) error {
	configmapwatch.Run(ctx, s.client, s.namespace, s.name, s.refresh)
	return nil
}

// refresh sets the policy from the ConfigMap as it is now (nil: it does not exist, which means
// the defaults).
func (s *PolicySource) refresh(cm *corev1.ConfigMap, err error) {
	var p Policy
	switch {
	case err != nil:
		p, err = DefaultPolicy(), fmt.Errorf("ConfigMap %s/%s: read: %w", s.namespace, s.name, err)
	case cm == nil:
		p = DefaultPolicy()
	default:
		p, err = ParsePolicy(cm.Data)
		if err != nil {
			err = fmt.Errorf("ConfigMap %s/%s: %w", s.namespace, s.name, err)
		}
	}
	exists := cm != nil
	s.mu.Lock()
	changed := !s.loaded || fmt.Sprint(s.err) != fmt.Sprint(err) || !slices.Equal(policyFields(s.policy), policyFields(p))
	s.loaded, s.policy, s.err = true, p, err
	s.mu.Unlock()
	switch {
	case !changed:
	case err != nil:
		s.log.Error(err, "Safety policy invalid: every action is refused until it is fixed", "configMap", s.namespace+"/"+s.name)
	default:
		s.log.Info("Safety policy loaded", "configMap", s.namespace+"/"+s.name, "exists", exists, "paused", p.Paused)
	}
}

// policyFields is p in a comparable form.
func policyFields(p Policy) []string {
	d := p.Data()
	out := make([]string, 0, len(d))
	for _, k := range policyKeys() {
		out = append(out, d[k])
	}
	return out
}
