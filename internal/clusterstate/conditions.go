package clusterstate

import "fmt"

// condition is the part of a status condition the checks read. ClusterVersion,
// ClusterOperator, MachineConfigPool and metav1.Condition share these JSON names.
type condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// conditions is an object's status.conditions.
type conditions []condition

// get returns the condition of type t and whether there is one.
func (cs conditions) get(t string) (condition, bool) {
	for _, c := range cs {
		if c.Type == t {
			return c, true
		}
	}
	return condition{}, false
}

// is reports whether the condition of type t is present with status s.
func (cs conditions) is(t, s string) bool {
	c, ok := cs.get(t)
	return ok && c.Status == s
}

// describe says what the condition of type t is, for details: "Updating=True: msg", or
// "no Updating condition".
func (cs conditions) describe(t string) string {
	c, ok := cs.get(t)
	if !ok {
		return fmt.Sprintf("no %s condition", t)
	}
	if c.Message != "" {
		return fmt.Sprintf("%s=%s: %s", t, c.Status, c.Message)
	}
	return fmt.Sprintf("%s=%s", t, c.Status)
}
