package detection

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// Pod returns the symptoms of the pod's init and app containers, in container order, or nil
// when it has none. Pods being deleted and pods that Succeeded have none: there is nothing
// left to heal. Each container gives at most one symptom per issue type: an OOMKilled
// container is reported as oom_kill and not also as pod_crash, because raising its memory
// limit is the remedy and a restart is not; a container may still give, say, oom_kill and
// image_pull together. Ephemeral (debug) containers are not looked at.
//
// A healthy pod costs no allocation.
func Pod(p *corev1.Pod, o Options) []Symptom {
	if p == nil || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded {
		return nil
	}
	var out []Symptom
	for i := range p.Status.InitContainerStatuses {
		out = containerSymptoms(out, p.Spec.InitContainers, &p.Status.InitContainerStatuses[i], o)
	}
	for i := range p.Status.ContainerStatuses {
		out = containerSymptoms(out, p.Spec.Containers, &p.Status.ContainerStatuses[i], o)
	}
	return out
}

// containerSymptoms appends the symptoms of one container; specs are the pod's containers of
// the same list, to read the container's memory limit from.
func containerSymptoms(out []Symptom, specs []corev1.Container, cs *corev1.ContainerStatus, o Options) []Symptom {
	restarts := o.crashLoopRestarts()
	oom := oomKilled(cs)
	if oom != nil && oom != cs.State.Terminated && cs.Ready && !o.recentOOM(oom.FinishedAt.Time) {
		oom = nil // an old kill of a container that serves again
	}
	if oom != nil {
		out = append(out, Symptom{
			Issue: issue.OOMKill, Reason: reasonOOMKilled, Container: cs.Name,
			Message: oomMessage(specs, cs, oom), Severity: v1alpha1.SeverityHigh,
		})
	}
	waiting := cs.State.Waiting
	if w := waiting; w != nil {
		switch w.Reason {
		case reasonImagePullBackOff, reasonErrImagePull, reasonInvalidImageName, reasonErrImageNeverPull:
			msg := oneLine(w.Message)
			if msg == "" {
				msg = w.Reason + " for image " + strconv.Quote(cs.Image)
			}
			out = append(out, Symptom{
				Issue: issue.ImagePull, Reason: w.Reason, Container: cs.Name, Message: msg, Severity: v1alpha1.SeverityHigh,
			})
		case reasonCreateContainerConfigError, reasonCreateContainerError:
			msg := oneLine(w.Message)
			if msg == "" {
				msg = w.Reason
			}
			out = append(out, Symptom{
				Issue: issue.ConfigError, Reason: w.Reason, Container: cs.Name, Message: msg, Severity: v1alpha1.SeverityMedium,
			})
		}
	}
	if oom == nil {
		if reason, ok := crashLooping(cs, waiting, restarts); ok {
			out = append(out, Symptom{
				Issue: issue.PodCrash, Reason: reason, Container: cs.Name, Message: crashMessage(cs), Severity: v1alpha1.SeverityHigh,
			})
		}
	}
	return out
}

// oomKilled returns the container's termination that was an OOM kill: the current one, else
// the previous one; nil when neither was.
func oomKilled(cs *corev1.ContainerStatus) *corev1.ContainerStateTerminated {
	if t := cs.State.Terminated; t != nil && t.Reason == reasonOOMKilled {
		return t
	}
	if t := cs.LastTerminationState.Terminated; t != nil && t.Reason == reasonOOMKilled {
		return t
	}
	return nil
}

// crashLooping reports whether the container crash-loops, and the reason to report: the
// kubelet says CrashLoopBackOff, or the container restarted at least restarts times, its last
// run failed and it is not ready (it may be running again between two back-offs).
func crashLooping(cs *corev1.ContainerStatus, waiting *corev1.ContainerStateWaiting, restarts int32) (string, bool) {
	if waiting != nil && waiting.Reason == reasonCrashLoopBackOff {
		return reasonCrashLoopBackOff, true
	}
	last := cs.LastTerminationState.Terminated
	if cs.Ready || cs.RestartCount < restarts || last == nil || last.ExitCode == 0 {
		return "", false
	}
	if last.Reason == "" {
		return reasonError, true
	}
	return last.Reason, true
}

// crashMessage is the crash evidence: "restarted 5 times, last exit code 1 (Error)".
func crashMessage(cs *corev1.ContainerStatus) string {
	msg := "restarted " + times(cs.RestartCount)
	if last := cs.LastTerminationState.Terminated; last != nil {
		msg += ", last exit code " + strconv.Itoa(int(last.ExitCode))
		if last.Reason != "" {
			msg += " (" + last.Reason + ")"
		}
	}
	return msg
}

// oomMessage is the OOM evidence: "OOMKilled (exit code 137) with memory limit 256Mi, restarted
// 4 times".
func oomMessage(specs []corev1.Container, cs *corev1.ContainerStatus, t *corev1.ContainerStateTerminated) string {
	msg := reasonOOMKilled + " (exit code " + strconv.Itoa(int(t.ExitCode)) + ")"
	for i := range specs {
		if specs[i].Name != cs.Name {
			continue
		}
		if limit, ok := specs[i].Resources.Limits[corev1.ResourceMemory]; ok {
			msg += " with memory limit " + limit.String()
		} else {
			msg += " without a memory limit"
		}
		break
	}
	return msg + ", restarted " + times(cs.RestartCount)
}

// times renders a restart count: "1 time", "5 times".
func times(n int32) string {
	if n == 1 {
		return "1 time"
	}
	return strconv.Itoa(int(n)) + " times"
}
