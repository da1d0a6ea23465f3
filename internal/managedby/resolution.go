package managedby

import "time"

// Resolution is a target resolved through its owner references, with the decision about how it
// is deployed. The Resolver makes it; strategies and the executor read it.
type Resolution struct {
	Result
	// Target is the object named in the request.
	Target Object
	// Workload is the built-in workload controller that runs the target's pods, nearest the
	// target in the chain: a Deployment, StatefulSet, DaemonSet, Job or CronJob; the target
	// itself when it is one (or a bare Pod with no controller). Direct strategies act on it.
	Workload Object
	// Top is the top controller (a custom resource for operator-managed workloads).
	Top Object
	// Chain is the owner references from Target up to Top, nearest first.
	Chain []Owner
	// DetectedAt is when the facts were read (UTC). A Resolution served from the Resolver's cache
	// keeps the time it was made, so this says how old the facts are.
	DetectedAt time.Time
}
