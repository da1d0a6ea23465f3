package detection

import (
	"strings"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// Symptom is one problem an object shows: what kind it is, the Kubernetes evidence for it and
// how bad it is. It names no object: the caller knows which object it passed in.
type Symptom struct {
	// Issue is the normalised issue type, which decides the remediation.
	Issue issue.Type
	// Reason is the reason Kubernetes (or the OpenShift operator) reported: CrashLoopBackOff,
	// OOMKilled, ImagePullBackOff, ErrImagePull, CreateContainerConfigError,
	// ProgressDeadlineExceeded, NotReady, MemoryPressure, ...
	Reason string
	// Container names the container concerned, when there is one.
	Container string
	// Message is one line for people with the evidence: restart count, exit code, the
	// condition's message.
	Message string
	// Severity is how bad the problem is.
	Severity v1alpha1.Severity
}

// Options tunes the pod rules.
type Options struct {
	// CrashLoopRestarts is the restart count from which a not-ready container whose last run
	// failed counts as crash-looping even while it is not in CrashLoopBackOff (it may be
	// running again, between two back-offs). Zero or less means DefaultCrashLoopRestarts.
	CrashLoopRestarts int32
	// Now, when set, lets an OOM kill of a container's previous run count only while it is
	// recent (within OOMWindow) or the container is not ready: a container killed once last
	// week and serving since is not a problem now. Without it every recorded OOM kill counts.
	Now func() time.Time
	// OOMWindow is how long a past OOM kill of a ready container counts; zero means
	// DefaultOOMWindow.
	OOMWindow time.Duration
}

// DefaultCrashLoopRestarts is the CrashLoopRestarts used when Options leave it unset.
const DefaultCrashLoopRestarts = 3

// DefaultOOMWindow is the OOMWindow used when Options leave it unset.
const DefaultOOMWindow = 10 * time.Minute

// recentOOM says whether a past OOM kill that finished at t still counts for a ready container.
func (o Options) recentOOM(t time.Time) bool {
	if o.Now == nil {
		return true
	}
	w := o.OOMWindow
	if w <= 0 {
		w = DefaultOOMWindow
	}
	return o.Now().Sub(t) <= w
}

func (o Options) crashLoopRestarts() int32 {
	if o.CrashLoopRestarts <= 0 {
		return DefaultCrashLoopRestarts
	}
	return o.CrashLoopRestarts
}

// oneLine returns s up to its first line break, without allocating.
func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return strings.TrimSpace(s)
}

// conditionMessage is a condition's evidence on one line: "Ready=Unknown (NodeStatusUnknown):
// Kubelet stopped posting node status."
func conditionMessage(typ, status, reason, message string) string {
	msg := typ + "=" + status
	if reason != "" {
		msg += " (" + reason + ")"
	}
	if m := oneLine(message); m != "" {
		msg += ": " + m
	}
	return msg
}
