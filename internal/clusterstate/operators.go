package clusterstate

import (
	"cmp"
	"context"
	"slices"
)

// clusterOperator is the part of a ClusterOperator that DegradedOperators reads.
type clusterOperator struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Status struct {
		Conditions conditions `json:"conditions"`
	} `json:"status"`
}

// Operator is one failing condition of a ClusterOperator.
type Operator struct {
	// Name is the ClusterOperator's name, e.g. "authentication".
	Name string `json:"name"`
	// Condition is "Degraded" (status True) or "Available" (status not True).
	Condition string `json:"condition"`
	// Status is the condition's status; "" when an Available condition is missing.
	Status string `json:"status"`
	// Reason and Message are the condition's, as the operator wrote them.
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// DegradedOperators lists the failing conditions of ClusterOperators, sorted by operator name
// and then condition: Degraded=True, and Available that is not True (False, Unknown, or
// missing: an operator that has not said it is available is not counted as available). An
// operator with both appears twice. On plain Kubernetes the list is empty. Read errors and
// malformed objects (ErrMalformed) are returned.
func (r *Reader) DegradedOperators(ctx context.Context) ([]Operator, error) {
	items, err := r.list(ctx, clusterOperatorKind)
	if err != nil {
		return nil, err
	}
	var failing []Operator
	for i := range items {
		var co clusterOperator
		if err := decode(&items[i], &co); err != nil {
			return nil, err
		}
		cs := co.Status.Conditions
		if c, ok := cs.get("Available"); !ok || c.Status != "True" {
			failing = append(failing, Operator{Name: co.Metadata.Name, Condition: "Available", Status: c.Status, Reason: c.Reason, Message: c.Message})
		}
		if c, ok := cs.get("Degraded"); ok && c.Status == "True" {
			failing = append(failing, Operator{Name: co.Metadata.Name, Condition: "Degraded", Status: c.Status, Reason: c.Reason, Message: c.Message})
		}
	}
	slices.SortFunc(failing, func(a, b Operator) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Condition, b.Condition))
	})
	return failing, nil
}
