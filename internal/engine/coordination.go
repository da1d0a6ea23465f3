package engine

import (
	"fmt"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"selfhealing.dev/coordination-engine/internal/clusterstate"
	"selfhealing.dev/coordination-engine/internal/coordination"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// newCoordination builds the multi-layer coordination: the planner (owner chains through the
// resolver; Nodes, Pods and workloads read uncached), the controller that carries coordination
// workflows out, registered with mgr (leader-only, like the executor, which leaves workflows with
// a plan to it), and the requests that the API's coordination trigger calls. Children are
// recorded through the workflow service and carried out by the executor.
func newCoordination(mgr manager.Manager, rec *records, resolver *managedby.Resolver, log logr.Logger) (*coordination.Requests, error) {
	reader := mgr.GetAPIReader()
	ctl := coordination.NewController(coordination.ControllerDeps{
		Client: mgr.GetClient(), APIReader: reader, Workflows: rec.workflows, Incidents: rec.incidents,
		Platform: clusterstate.New(reader),
	}, coordination.Options{}, log.WithName("coordination"))
	if err := ctl.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("set up the coordination controller: %w", err)
	}
	return coordination.NewRequests(coordination.NewPlanner(resolver, reader), rec.incidents, rec.workflows), nil
}
