// Package detection turns the state of one object — a Pod, Deployment, Node, or an OpenShift
// ClusterOperator or MachineConfigPool — into the symptoms it shows, as pure rules that read
// no cluster.
//
// The rules run in informer event handlers on every Pod and Node update of large clusters, so
// an object with nothing wrong returns nil without allocating, and a symptom costs only its
// slice and message. Measured with `go test -run xxx -bench . -benchmem ./internal/detection/`
// on the project's 2-core machine (all figures in bench_test.go): a healthy four-container pod
// takes 53 ns and 0 allocations, a crash-looping one 465 ns and 4 allocations, GroupKey 53 ns
// and 0 allocations.
//
// Objects being deleted have no symptoms: nothing is healed on its way out.
package detection
