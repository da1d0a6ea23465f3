package detection

// The Kubernetes and OpenShift reasons and condition types the rules read. They are
// Kubernetes' own strings, not the engine's condition reasons (those live in
// api/v1alpha1/conditions.go).
const (
	reasonOOMKilled                  = "OOMKilled"
	reasonCrashLoopBackOff           = "CrashLoopBackOff"
	reasonError                      = "Error"
	reasonImagePullBackOff           = "ImagePullBackOff"
	reasonErrImagePull               = "ErrImagePull"
	reasonInvalidImageName           = "InvalidImageName"
	reasonErrImageNeverPull          = "ErrImageNeverPull"
	reasonCreateContainerConfigError = "CreateContainerConfigError"
	reasonCreateContainerError       = "CreateContainerError"
	reasonProgressDeadlineExceeded   = "ProgressDeadlineExceeded"
	reasonNotReady                   = "NotReady"

	// conditionDegraded is the condition type both OpenShift kinds report.
	conditionDegraded = "Degraded"
	// conditionNodeDegraded and conditionRenderDegraded are the MachineConfigPool's specific
	// degraded conditions: a node failed to apply its config, or the config failed to render.
	conditionNodeDegraded   = "NodeDegraded"
	conditionRenderDegraded = "RenderDegraded"
)
