package detection

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// oomNow is the clock of the OOM-window cases.
var oomNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

func lastTerminatedAt(reason string, code int32, at time.Time) statusOption {
	return func(cs *corev1.ContainerStatus) {
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code,
			FinishedAt: metav1.NewTime(at)}}
	}
}

// ignoreMessage leaves the message to the tests that are about it.
var ignoreMessage = cmpopts.IgnoreFields(Symptom{}, "Message")

func symptom(t issue.Type, reason, container string, severity v1alpha1.Severity) Symptom {
	return Symptom{Issue: t, Reason: reason, Container: container, Severity: severity}
}

func TestPod(t *testing.T) {
	const high, medium = v1alpha1.SeverityHigh, v1alpha1.SeverityMedium
	tests := []struct {
		name string
		pod  *corev1.Pod
		opts Options
		want []Symptom
	}{
		// Nothing to report.
		{"a running pod with ready containers has no symptoms",
			pod(containers(status("app"), status("proxy"))), Options{}, nil},
		{"a pod without container statuses yet has no symptoms",
			pod(phase(corev1.PodPending)), Options{}, nil},
		{"a container still being created has no symptoms",
			pod(containers(status("app", waiting("ContainerCreating", "")))), Options{}, nil},
		{"no pod has no symptoms", nil, Options{}, nil},
		{"a crash-looping pod being deleted has no symptoms",
			pod(deleting(), containers(status("app", crashLoop(9)))), Options{}, nil},
		{"a pod that succeeded has no symptoms, even after an OOM kill",
			pod(phase(corev1.PodSucceeded), containers(status("job", terminated("Completed", 0), restarted(1), lastTerminated("OOMKilled", 137)))),
			Options{}, nil},

		// OOM kills.
		{"a container whose last run was OOMKilled is oom_kill",
			pod(containers(status("app", restarted(1), lastTerminated("OOMKilled", 137)))), Options{},
			[]Symptom{symptom(issue.OOMKill, "OOMKilled", "app", high)}},
		{"a ready container whose OOM kill is long past has no symptoms",
			pod(containers(status("app", restarted(1), lastTerminatedAt("OOMKilled", 137, oomNow.Add(-time.Hour))))), Options{Now: clockAt(oomNow)}, nil},
		{"a ready container OOMKilled within the window is oom_kill",
			pod(containers(status("app", restarted(1), lastTerminatedAt("OOMKilled", 137, oomNow.Add(-time.Minute))))), Options{Now: clockAt(oomNow)},
			[]Symptom{symptom(issue.OOMKill, "OOMKilled", "app", high)}},
		{"a container not ready after an old OOM kill is oom_kill",
			pod(containers(status("app", notReady(), restarted(1), lastTerminatedAt("OOMKilled", 137, oomNow.Add(-time.Hour))))), Options{Now: clockAt(oomNow)},
			[]Symptom{symptom(issue.OOMKill, "OOMKilled", "app", high)}},
		{"a container OOMKilled just now is oom_kill",
			pod(containers(status("app", terminated("OOMKilled", 137)))), Options{},
			[]Symptom{symptom(issue.OOMKill, "OOMKilled", "app", high)}},
		{"a failed pod whose container was OOMKilled is oom_kill",
			pod(phase(corev1.PodFailed), containers(status("job", terminated("OOMKilled", 137)))), Options{},
			[]Symptom{symptom(issue.OOMKill, "OOMKilled", "job", high)}},
		{"an OOMKilled init container is oom_kill",
			pod(phase(corev1.PodPending), initContainers(status("migrate", crashLoop(4), lastTerminated("OOMKilled", 137))), containers(status("app", waiting("PodInitializing", "")))),
			Options{}, []Symptom{symptom(issue.OOMKill, "OOMKilled", "migrate", high)}},
		{"an OOM kill takes precedence over the crash loop of the same container",
			pod(containers(status("app", crashLoop(5), lastTerminated("OOMKilled", 137)))), Options{},
			[]Symptom{symptom(issue.OOMKill, "OOMKilled", "app", high)}},
		{"an OOM kill does not hide another container's crash loop",
			pod(containers(status("app", crashLoop(5), lastTerminated("OOMKilled", 137)), status("proxy", crashLoop(5)))), Options{},
			[]Symptom{symptom(issue.OOMKill, "OOMKilled", "app", high), symptom(issue.PodCrash, "CrashLoopBackOff", "proxy", high)}},
		{"an OOMKilled container that now fails to pull its image is both",
			pod(containers(status("app", restarted(1), lastTerminated("OOMKilled", 137), waiting("ImagePullBackOff", "")))), Options{},
			[]Symptom{symptom(issue.OOMKill, "OOMKilled", "app", high), symptom(issue.ImagePull, "ImagePullBackOff", "app", high)}},

		// Crash loops.
		{"a container in CrashLoopBackOff is pod_crash",
			pod(containers(status("app", crashLoop(5)))), Options{},
			[]Symptom{symptom(issue.PodCrash, "CrashLoopBackOff", "app", high)}},
		{"a container in CrashLoopBackOff is pod_crash whatever its restart count",
			pod(containers(status("app", crashLoop(1)))), Options{},
			[]Symptom{symptom(issue.PodCrash, "CrashLoopBackOff", "app", high)}},
		{"a not-ready container restarted three times whose last run failed is pod_crash, with the exit reason",
			pod(containers(status("app", notReady(), restarted(3), lastTerminated("Error", 2)))), Options{},
			[]Symptom{symptom(issue.PodCrash, "Error", "app", high)}},
		{"a failed last run without a reason reads Error",
			pod(containers(status("app", notReady(), restarted(3), lastTerminated("", 2)))), Options{},
			[]Symptom{symptom(issue.PodCrash, "Error", "app", high)}},
		{"two restarts are below the default threshold",
			pod(containers(status("app", notReady(), restarted(2), lastTerminated("Error", 1)))), Options{}, nil},
		{"the restart threshold comes from the options",
			pod(containers(status("app", notReady(), restarted(4), lastTerminated("Error", 1)))), Options{CrashLoopRestarts: 5}, nil},
		{"a lower threshold from the options catches earlier",
			pod(containers(status("app", notReady(), restarted(1), lastTerminated("Error", 1)))), Options{CrashLoopRestarts: 1},
			[]Symptom{symptom(issue.PodCrash, "Error", "app", high)}},
		{"a ready container that restarted often is not crash-looping",
			pod(containers(status("app", restarted(40), lastTerminated("Error", 1)))), Options{}, nil},
		{"a container whose last run exited 0 is not crash-looping by its restart count",
			pod(containers(status("app", notReady(), restarted(7), lastTerminated("Completed", 0)))), Options{}, nil},
		{"a crash-looping init container is pod_crash",
			pod(phase(corev1.PodPending), initContainers(status("migrate", crashLoop(4))), containers(status("app", waiting("PodInitializing", "")))),
			Options{}, []Symptom{symptom(issue.PodCrash, "CrashLoopBackOff", "migrate", high)}},
		{"each crash-looping container gives its own symptom",
			pod(containers(status("app", crashLoop(5)), status("proxy", crashLoop(3)))), Options{},
			[]Symptom{symptom(issue.PodCrash, "CrashLoopBackOff", "app", high), symptom(issue.PodCrash, "CrashLoopBackOff", "proxy", high)}},

		// Image pulls.
		{"ImagePullBackOff is image_pull",
			pod(containers(status("app", waiting("ImagePullBackOff", "")))), Options{},
			[]Symptom{symptom(issue.ImagePull, "ImagePullBackOff", "app", high)}},
		{"ErrImagePull is image_pull",
			pod(containers(status("app", waiting("ErrImagePull", "")))), Options{},
			[]Symptom{symptom(issue.ImagePull, "ErrImagePull", "app", high)}},
		{"InvalidImageName is image_pull",
			pod(containers(status("app", waiting("InvalidImageName", "")))), Options{},
			[]Symptom{symptom(issue.ImagePull, "InvalidImageName", "app", high)}},
		{"ErrImageNeverPull is image_pull",
			pod(containers(status("app", waiting("ErrImageNeverPull", "")))), Options{},
			[]Symptom{symptom(issue.ImagePull, "ErrImageNeverPull", "app", high)}},
		{"an init container that cannot pull its image is image_pull",
			pod(phase(corev1.PodPending), initContainers(status("migrate", waiting("ErrImagePull", "")))), Options{},
			[]Symptom{symptom(issue.ImagePull, "ErrImagePull", "migrate", high)}},

		// Configuration errors.
		{"CreateContainerConfigError is config_error",
			pod(containers(status("app", waiting("CreateContainerConfigError", `secret "db" not found`)))), Options{},
			[]Symptom{symptom(issue.ConfigError, "CreateContainerConfigError", "app", medium)}},
		{"CreateContainerError is config_error",
			pod(containers(status("app", waiting("CreateContainerError", "")))), Options{},
			[]Symptom{symptom(issue.ConfigError, "CreateContainerError", "app", medium)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Pod(tt.pod, tt.opts)
			if diff := cmp.Diff(tt.want, got, ignoreMessage); diff != "" {
				t.Errorf("Pod() mismatch (-want +got):\n%s", diff)
			}
			if tt.want == nil && got != nil {
				t.Errorf("Pod() = %#v, want nil", got)
			}
		})
	}
}

func TestPodMessages(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"a crash loop gives the restart count, last exit code and reason",
			pod(containers(status("app", crashLoop(5)))),
			"restarted 5 times, last exit code 1 (Error)"},
		{"a crash loop without a last termination gives the restart count",
			pod(containers(status("app", waiting("CrashLoopBackOff", ""), restarted(5)))),
			"restarted 5 times"},
		{"an OOM kill gives the exit code, the memory limit and the restart count",
			pod(containers(status("app", restarted(4), lastTerminated("OOMKilled", 137))), memoryLimit("app", "256Mi")),
			"OOMKilled (exit code 137) with memory limit 256Mi, restarted 4 times"},
		{"an OOM kill of a container without a limit says so",
			pod(containers(status("app", restarted(1), lastTerminated("OOMKilled", 137)))),
			"OOMKilled (exit code 137) without a memory limit, restarted 1 time"},
		{"an image pull gives the kubelet's message",
			pod(containers(status("app", waiting("ImagePullBackOff", `Back-off pulling image "registry.example.com/shop/app:2.0"`)))),
			`Back-off pulling image "registry.example.com/shop/app:2.0"`},
		{"an image pull without a message names the image",
			pod(containers(status("app", waiting("ErrImagePull", "")))),
			`ErrImagePull for image "registry.example.com/shop/app:1.0"`},
		{"a multi-line message keeps its first line",
			pod(containers(status("app", waiting("CreateContainerConfigError", "  secret \"db\" not found\ndetails\n")))),
			`secret "db" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Pod(tt.pod, Options{})
			if len(got) != 1 || got[0].Message != tt.want {
				t.Errorf("Pod() = %+v, want one symptom with message %q", got, tt.want)
			}
		})
	}
}
