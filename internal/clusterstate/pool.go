package clusterstate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// machineConfigPool is the part of a MachineConfigPool that Busy and Pool read.
type machineConfigPool struct {
	Metadata struct {
		Name       string `json:"name"`
		Generation int64  `json:"generation"`
	} `json:"metadata"`
	Spec struct {
		NodeSelector *metav1.LabelSelector `json:"nodeSelector"`
		Paused       bool                  `json:"paused"`
	} `json:"spec"`
	Status struct {
		ObservedGeneration  int64      `json:"observedGeneration"`
		MachineCount        *int64     `json:"machineCount"`
		UpdatedMachineCount *int64     `json:"updatedMachineCount"`
		Conditions          conditions `json:"conditions"`
	} `json:"status"`
}

// PoolState is what the MachineConfigPools of one node say.
type PoolState struct {
	// Pools names every MachineConfigPool whose nodeSelector selects the node, sorted; empty
	// when none does (always on plain Kubernetes). A node can be in several: a custom pool and
	// worker, or master and worker on compact clusters. The machine-config operator updates it
	// by one of them, but which one is its rule to apply; here all of them are judged.
	Pools []string
	// Settled is true when every one of Pools has settled: Updated=True, Updating=False,
	// Degraded=False, as many updated machines as machines, and the pool's generation observed.
	// A missing condition or count is not settled. True when Pools is empty: no pool has
	// anything in flight on the node.
	Settled bool
	// Detail says why, one clause per pool joined by "; ".
	Detail string
}

// Pool returns the MachineConfigPools whose spec.nodeSelector selects node and whether they
// have settled. A pool without a nodeSelector, or with an empty one, selects no node, as in the
// machine-config operator. A nodeSelector that does not parse is an error wrapping ErrMalformed
// (whether that pool holds the node cannot be known); read errors are returned.
func (r *Reader) Pool(ctx context.Context, node *corev1.Node) (PoolState, error) {
	if node == nil {
		return PoolState{}, errors.New("pool of a nil node")
	}
	pools, err := r.pools(ctx)
	if err != nil {
		return PoolState{}, err
	}
	state := PoolState{Settled: true}
	var details []string
	for _, p := range pools {
		selects, err := p.selects(node)
		if err != nil {
			return PoolState{}, err
		}
		if !selects {
			continue
		}
		state.Pools = append(state.Pools, p.Metadata.Name)
		if why := p.unsettled(); why != "" {
			state.Settled = false
			details = append(details, fmt.Sprintf("MachineConfigPool %s has not settled: %s", p.Metadata.Name, why))
		} else {
			details = append(details, fmt.Sprintf("MachineConfigPool %s has settled: %s", p.Metadata.Name, p.counts()))
		}
	}
	if len(state.Pools) == 0 {
		details = append(details, fmt.Sprintf("no MachineConfigPool selects node %s", node.Name))
	}
	state.Detail = strings.Join(details, "; ")
	return state, nil
}

// pools reads every MachineConfigPool, sorted by name.
func (r *Reader) pools(ctx context.Context) ([]machineConfigPool, error) {
	items, err := r.list(ctx, machineConfigPoolKind)
	if err != nil {
		return nil, err
	}
	pools := make([]machineConfigPool, len(items))
	for i := range items {
		if err := decode(&items[i], &pools[i]); err != nil {
			return nil, err
		}
	}
	return pools, nil
}

// selects reports whether the pool's nodeSelector selects node.
func (p *machineConfigPool) selects(node *corev1.Node) (bool, error) {
	sel, err := metav1.LabelSelectorAsSelector(p.Spec.NodeSelector)
	if err != nil {
		return false, fmt.Errorf("MachineConfigPool %s: %w: spec.nodeSelector: %w", p.Metadata.Name, ErrMalformed, err)
	}
	return !sel.Empty() && sel.Matches(labels.Set(node.Labels)), nil
}

// busy says why the pool is rolling out a configuration, or "": Updating=True, fewer updated
// machines than machines, or a generation not observed yet (which includes a pool without status).
func (p *machineConfigPool) busy() string {
	var why []string
	if p.Status.Conditions.is("Updating", "True") {
		why = append(why, p.Status.Conditions.describe("Updating"))
	}
	if m, u := p.Status.MachineCount, p.Status.UpdatedMachineCount; m != nil && u != nil && *u < *m {
		why = append(why, p.counts())
	}
	if s := p.unobserved(); s != "" {
		why = append(why, s)
	}
	if len(why) == 0 {
		return ""
	}
	s := "MachineConfigPool " + p.Metadata.Name + " is updating: " + strings.Join(why, ", ")
	if p.Spec.Paused {
		s += " (the pool is paused)"
	}
	return s
}

// unsettled says why the pool has not settled, or "".
func (p *machineConfigPool) unsettled() string {
	var why []string
	for _, want := range []struct{ typ, status string }{{"Updated", "True"}, {"Updating", "False"}, {"Degraded", "False"}} {
		if !p.Status.Conditions.is(want.typ, want.status) {
			why = append(why, p.Status.Conditions.describe(want.typ))
		}
	}
	if m, u := p.Status.MachineCount, p.Status.UpdatedMachineCount; m == nil || u == nil || *u != *m {
		why = append(why, p.counts())
	}
	if s := p.unobserved(); s != "" {
		why = append(why, s)
	}
	return strings.Join(why, ", ")
}

// counts says how many machines are updated, for details.
func (p *machineConfigPool) counts() string {
	m, u := p.Status.MachineCount, p.Status.UpdatedMachineCount
	if m == nil || u == nil {
		return "no machine counts in status"
	}
	return fmt.Sprintf("%d of %d machines updated", *u, *m)
}

// unobserved says that the pool's controller has not observed its current generation, or "".
func (p *machineConfigPool) unobserved() string {
	g, o := p.Metadata.Generation, p.Status.ObservedGeneration
	switch {
	case o == g:
		return ""
	case o == 0:
		return fmt.Sprintf("no status for generation %d yet", g)
	}
	return fmt.Sprintf("generation %d observed as %d", g, o)
}
