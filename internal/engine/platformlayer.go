package engine

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/clusterstate"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// platformLayer answers the executor's questions about the platform layer from clusterstate.
type platformLayer struct {
	state  *clusterstate.Reader
	reader client.Reader
}

var _ remediation.Platform = platformLayer{}

func (p platformLayer) Busy(ctx context.Context) (string, error) { return p.state.Busy(ctx) }

func (p platformLayer) NodeOwner(ctx context.Context, name string) (string, error) {
	var n corev1.Node
	if err := p.reader.Get(ctx, client.ObjectKey{Name: name}, &n); err != nil {
		return "", client.IgnoreNotFound(fmt.Errorf("read node %s: %w", name, err))
	}
	hc, err := p.state.NodeHealthCheck(ctx, &n)
	return hc.Name, err
}

// nodeHealth verifies a node beyond its conditions: on OpenShift its MachineConfigPools must
// have settled too, so the engine's uncordon does not race the pool's rollout.
type nodeHealth struct {
	verifier *remediation.Verifier
	state    *clusterstate.Reader
	reader   client.Reader
}

func (h nodeHealth) Check(ctx context.Context, w managedby.Object) (remediation.Health, error) {
	health, err := h.verifier.Check(ctx, w)
	if err != nil || w.Kind != "Node" {
		return health, err
	}
	var n corev1.Node
	if err := h.reader.Get(ctx, client.ObjectKey{Name: w.Name}, &n); err != nil {
		return health, fmt.Errorf("read node %s: %w", w.Name, err)
	}
	pool, err := h.state.Pool(ctx, &n)
	switch {
	case err != nil:
		health.Healthy = false
		health.Checks = append(health.Checks, "cannot read the node's MachineConfigPool: "+err.Error()+" (waiting)")
	case len(pool.Pools) == 0:
	case !pool.Settled:
		health.Healthy = false
		health.Checks = append(health.Checks, pool.Detail+" (waiting)")
	default:
		health.Checks = append(health.Checks, pool.Detail)
	}
	return health, nil
}
