// Package clusterstate reads what the platform layer says right now — an OpenShift upgrade, a
// MachineConfigPool rolling out, degraded ClusterOperators, a medik8s NodeHealthCheck owning a
// node — so that the engine can postpone or order its actions across layers.
//
// # Reads only, on every platform
//
// A Reader reads through a controller-runtime client.Reader (a live client or a cache) and
// decodes unstructured objects into small local types: the OpenShift and medik8s Go modules are
// not imported for the handful of fields read. Each call reads again; nothing is remembered.
// A kind the cluster does not serve (plain Kubernetes, or medik8s not installed: a no-match
// error from the REST mapper, or NotFound on the kind) is "not present", never an error; any
// other read error is returned wrapped, and callers that must fail closed treat it as "wait".
//
// # Malformed objects
//
// A field of the wrong type or a label selector that does not parse makes the call return an
// error wrapping ErrMalformed that names the object; nothing panics. A missing field gets the
// conservative answer documented on each method: a pool or an upgrade whose state is unknown is
// busy and unsettled; a ClusterOperator without an Available condition is listed.
package clusterstate
