package detection

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// ClusterOperator returns a cluster_operator_degraded symptom (high) when the OpenShift
// ClusterOperator (config.openshift.io/v1) reports Degraded=True, else nil. Its Reason is the
// condition's reason (such as NodeInstaller_InstallerPodFailed), or Degraded when it has none.
// A malformed object, or one being deleted, has none.
func ClusterOperator(u *unstructured.Unstructured) []Symptom {
	c, ok := trueCondition(u, conditionDegraded)
	if !ok {
		return nil
	}
	reason := c.reason
	if reason == "" {
		reason = conditionDegraded
	}
	return []Symptom{{
		Issue: issue.ClusterOperatorDegraded, Reason: reason, Severity: v1alpha1.SeverityHigh,
		Message: conditionMessage(c.typ, "True", c.reason, c.message),
	}}
}

// MachineConfigPool returns one machine_config_pool_degraded symptom (high) when the OpenShift
// MachineConfigPool (machineconfiguration.openshift.io/v1) reports NodeDegraded,
// RenderDegraded or Degraded True, else nil. Its Reason is the most specific of those
// condition types that is True, in that order: the Machine Config Operator writes sentences,
// not tokens, into their reasons, so the reason goes into the Message. A malformed object, or
// one being deleted, has none.
func MachineConfigPool(u *unstructured.Unstructured) []Symptom {
	for _, typ := range [...]string{conditionNodeDegraded, conditionRenderDegraded, conditionDegraded} {
		if c, ok := trueCondition(u, typ); ok {
			return []Symptom{{
				Issue: issue.MachineConfigPoolDegraded, Reason: typ, Severity: v1alpha1.SeverityHigh,
				Message: conditionMessage(typ, "True", c.reason, c.message),
			}}
		}
	}
	return nil
}

// condition is the part of an unstructured status condition the rules read.
type condition struct {
	typ, reason, message string
}

// trueCondition returns u's status condition of type typ when its status is "True". Fields of
// the wrong type read as absent, so a malformed object never panics.
func trueCondition(u *unstructured.Unstructured, typ string) (condition, bool) {
	if u == nil || u.GetDeletionTimestamp() != nil {
		return condition{}, false
	}
	field, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "conditions")
	conditions, _ := field.([]any)
	for _, item := range conditions {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		if t, _, _ := unstructured.NestedString(m, "type"); t != typ {
			continue
		}
		if s, _, _ := unstructured.NestedString(m, "status"); s != "True" {
			return condition{}, false
		}
		reason, _, _ := unstructured.NestedString(m, "reason")
		message, _, _ := unstructured.NestedString(m, "message")
		return condition{typ: typ, reason: reason, message: message}, true
	}
	return condition{}, false
}
