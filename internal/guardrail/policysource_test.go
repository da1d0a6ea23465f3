package guardrail

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/action"
)

func TestPolicySourceBeforeTheFirstReadFailsClosed(t *testing.T) {
	src := NewPolicySource(nil, "engine", PolicyConfigMap, logr.Discard())
	p, err := src.Policy()
	if !errors.Is(err, ErrPolicyNotLoaded) {
		t.Errorf("Policy() before Start error = %v, want ErrPolicyNotLoaded", err)
	}
	if _, ok := p.protects("engine"); !ok {
		t.Errorf("Policy() before Start protects %v, want the engine's namespace too", p.ProtectedNamespaces)
	}
	g, _, _ := newTestGate(t, src.Policy)
	_, err = g.Admit(t.Context(), act(action.Restart, "shop", "web"), Scope{})
	if r, ok := err.(*action.Refusal); !ok || r.Reason != ReasonInvalidPolicy || !r.Retryable {
		t.Errorf("Admit before the policy was read = %v, want a retryable %s", err, ReasonInvalidPolicy)
	}
}

// TestPolicySourceFollowsTheConfigMap creates, changes, breaks, fixes and deletes the ConfigMap
// at a real API server and watches the policy follow, and the gate with it.
func TestPolicySourceFollowsTheConfigMap(t *testing.T) {
	needAPIServer(t)
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	const ns = "guardrail-policy"
	if _, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A ConfigMap of another name in the namespace is not the policy.
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other"}, Data: map[string]string{"paused": "maybe"}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(t.Context(), other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	src := NewPolicySource(cs, ns, PolicyConfigMap, logr.Discard())
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := src.Start(ctx); err != nil {
			t.Errorf("Start() = %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	g, _, _ := newTestGate(t, src.Policy)
	web := act(action.Restart, "shop", "web")
	admitted := func() string {
		p, err := g.Admit(t.Context(), web, Scope{})
		if err == nil {
			p.Done(NotApplied)
		}
		return errReason(err)
	}

	eventually(t, "a missing ConfigMap gives the default policy", func() (bool, string) {
		p, err := src.Policy()
		return err == nil && p.Cooldown == DefaultPolicy().Cooldown, errString(err)
	})
	if got := admitted(); got != "" {
		t.Errorf("Admit under the default policy = %s, want admitted", got)
	}
	if _, err := g.Admit(t.Context(), act(action.Restart, ns, "engine"), Scope{}); errReason(err) != ReasonProtectedNamespace {
		t.Errorf("Admit in the engine's own namespace = %v, want %s", err, ReasonProtectedNamespace)
	}

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: PolicyConfigMap}, Data: map[string]string{KeyPaused: "true"}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a created ConfigMap pauses the gate", func() (bool, string) { got := admitted(); return got == ReasonPaused, got })

	cm.Data = map[string]string{KeyCooldown: "10m", KeyNamespaceBudget: "0"}
	if _, err := cs.CoreV1().ConfigMaps(ns).Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a changed ConfigMap applies without a restart", func() (bool, string) {
		got := admitted()
		return got == ReasonNamespaceBudgetExhausted, got
	})

	cm.Data = map[string]string{KeyCooldown: "ten minutes"}
	if _, err := cs.CoreV1().ConfigMaps(ns).Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "an invalid ConfigMap refuses every action naming the key", func() (bool, string) {
		_, err := g.Admit(t.Context(), web, Scope{})
		r, ok := err.(*action.Refusal)
		return ok && r.Reason == ReasonInvalidPolicy && strings.Contains(r.Message, `"cooldown"`) && !r.Retryable, errString(err)
	})

	cm.Data = map[string]string{KeyCooldown: "10m"}
	if _, err := cs.CoreV1().ConfigMaps(ns).Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a fixed ConfigMap admits again", func() (bool, string) {
		p, err := src.Policy()
		return err == nil && p.Cooldown == 10*time.Minute && admitted() == "", errString(err)
	})

	if err := cs.CoreV1().ConfigMaps(ns).Delete(t.Context(), PolicyConfigMap, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a deleted ConfigMap gives the default policy again", func() (bool, string) {
		p, err := src.Policy()
		return err == nil && p.Cooldown == DefaultPolicy().Cooldown, errString(err)
	})
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s (last: %s)", what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
