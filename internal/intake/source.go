package intake

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/configmapwatch"
)

// PolicySource holds the current auto-remediation policy, read from one ConfigMap in the
// engine's namespace. A missing ConfigMap means DefaultPolicy. An invalid one keeps the built-in
// rules but makes every signal incident only until it is fixed (fail closed: a typo must not
// turn on automatic remediation), and Policy reports the error. It runs on every replica.
type PolicySource struct {
	client    kubernetes.Interface
	namespace string
	name      string
	log       logr.Logger

	mu     sync.RWMutex
	policy Policy
	err    error
	loaded bool
}

// NewPolicySource returns a source for the ConfigMap namespace/name; until Start has read it,
// Policy returns DefaultPolicy.
func NewPolicySource(c kubernetes.Interface, namespace, name string, log logr.Logger) *PolicySource {
	return &PolicySource{client: c, namespace: namespace, name: name, log: log, policy: DefaultPolicy(namespace)}
}

// Policy returns the current policy and the ConfigMap's error, if it is invalid.
func (s *PolicySource) Policy() (Policy, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.policy, s.err
}

// Loaded says whether the ConfigMap has been read once (found, missing or invalid); until then
// Policy is the default, so the engine reports itself not ready.
func (s *PolicySource) Loaded() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.loaded
}

// NeedLeaderElection is false: every replica may receive alerts.
func (s *PolicySource) NeedLeaderElection() bool { return false }

// Start follows the ConfigMap until ctx ends.
func (s *PolicySource) Start(ctx context.Context) error {
	configmapwatch.Run(ctx, s.client, s.namespace, s.name, s.set)
	return nil
}

func (s *PolicySource) set(cm *corev1.ConfigMap, readErr error) {
	p, err := DefaultPolicy(s.namespace), readErr
	if cm != nil && err == nil {
		p, err = ParsePolicy(cm.Data, s.namespace)
	}
	if err != nil {
		err = fmt.Errorf("ConfigMap %s/%s: %w", s.namespace, s.name, err)
		p = Policy{Rules: BuiltinRules(s.namespace), Default: IncidentOnly}
		for i := range p.Rules {
			p.Rules[i].Mode = IncidentOnly
		}
		s.log.Error(err, "Auto-remediation policy invalid: every signal only opens an incident until it is fixed")
	} else {
		s.log.Info("Auto-remediation policy loaded", "configMap", s.namespace+"/"+s.name, "exists", cm != nil, "rules", len(p.Rules))
	}
	s.mu.Lock()
	s.policy, s.err, s.loaded = p, err, true
	s.mu.Unlock()
}
