package coordination

import (
	"slices"
	"strings"
)

// The layers, in the order a coordination workflow works through them.
const (
	LayerInfrastructure = "infrastructure"
	LayerPlatform       = "platform"
	LayerApplication    = "application"
)

// layerOrder ranks the layers.
var layerOrder = []string{LayerInfrastructure, LayerPlatform, LayerApplication}

func layerRank(layer string) int { return slices.Index(layerOrder, layer) }

// kindInfo is what the planner knows of a kind it accepts.
type kindInfo struct {
	// layer is the kind's layer; "" for workloads, whose layer depends on their owner chain and
	// placement.
	layer string
	// namespaced says the kind lives in a namespace.
	namespaced bool
	// check says the item is checked, not remediated: the engine has no action for it and
	// waits for its owner (an OpenShift operator) to bring it back.
	check bool
	// why says why the kind is in its layer.
	why string
}

// kinds are the kinds a coordination request may name, by canonical spelling.
var kinds = map[string]kindInfo{
	"Node": {layer: LayerInfrastructure, why: "a Node is infrastructure"},
	"MachineConfigPool": {layer: LayerInfrastructure, check: true,
		why: "a MachineConfigPool configures nodes: infrastructure"},
	"ClusterOperator": {layer: LayerPlatform, check: true,
		why: "a ClusterOperator is a component of the OpenShift platform"},
	"Deployment":  {namespaced: true},
	"StatefulSet": {namespaced: true},
	"DaemonSet":   {namespaced: true},
	"Pod":         {namespaced: true},
}

// CanonicalKind returns the canonical spelling of a kind a coordination request may name,
// matched case-insensitively, and whether it is one.
func CanonicalKind(kind string) (string, bool) {
	for k := range kinds {
		if strings.EqualFold(k, strings.TrimSpace(kind)) {
			return k, true
		}
	}
	return "", false
}

// Kinds lists the kinds a coordination request may name, for error messages.
func Kinds() string {
	return "Node, MachineConfigPool, ClusterOperator, Deployment, StatefulSet, DaemonSet, Pod"
}

// Namespaced reports whether a canonical kind lives in a namespace.
func Namespaced(kind string) bool { return kinds[kind].namespaced }

// isCheck reports whether an item of kind is checked rather than remediated.
func isCheck(kind string) bool { return kinds[kind].check }

// platformNamespace reports whether ns belongs to the platform: OpenShift's openshift-* and
// Kubernetes' kube-* namespaces.
func platformNamespace(ns string) bool {
	return ns == "openshift" || strings.HasPrefix(ns, "openshift-") || strings.HasPrefix(ns, "kube-")
}
