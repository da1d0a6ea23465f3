package config

import (
	"net/url"
	"time"
)

// LeaderElectionMode says when the engine takes part in leader election.
type LeaderElectionMode string

// Leader election modes.
const (
	// LeaderElectionAuto elects a leader when the engine runs inside a cluster.
	LeaderElectionAuto LeaderElectionMode = "auto"
	// LeaderElectionOn always elects a leader.
	LeaderElectionOn LeaderElectionMode = "true"
	// LeaderElectionOff never elects; only one replica may run.
	LeaderElectionOff LeaderElectionMode = "false"
)

// KServeModel is one model served by a KServe InferenceService (contract §4).
type KServeModel struct {
	// Name is the logical model name: the variable's <NAME> lower-cased with '_' turned into '-'.
	Name string
	// Service is the InferenceService predictor's Service name (KSERVE_<NAME>_SERVICE).
	Service string
	// Model is the model name on the predictor (KSERVE_<NAME>_MODEL, default Name).
	Model string
	// URL is a full base URL that overrides the in-cluster address (KSERVE_<NAME>_URL).
	URL *url.URL
}

// Options is the engine's validated configuration.
type Options struct {
	// APIPort serves the REST API, health endpoints and /metrics.
	APIPort int
	// MetricsPort serves /metrics for the ServiceMonitor.
	MetricsPort int
	// BindAddress is the IP both ports listen on; empty is every interface.
	BindAddress string
	// LogLevel is one of debug, info, warn, error.
	LogLevel string
	// Namespace is the engine's own namespace: its custom resources, Lease and ConfigMaps.
	Namespace string
	// Kubeconfig is an explicit kubeconfig path; empty means in-cluster, then ~/.kube/config.
	Kubeconfig string
	// APIAuthMode is who may call the API: none, token or kubernetes.
	APIAuthMode string
	// APIAuthTokensFile holds the bearer tokens of API_AUTH_MODE=token.
	APIAuthTokensFile string
	// MLServiceURL is the Python ML service base URL; nil disables it.
	MLServiceURL *url.URL
	// MLServiceTimeout bounds one call to the ML service.
	MLServiceTimeout time.Duration
	// KServeEnabled turns on the KServe model integration.
	KServeEnabled bool
	// KServeNamespace is where the InferenceServices run.
	KServeNamespace string
	// KServePredictorPort is the predictors' HTTP port.
	KServePredictorPort int
	// KServeTimeout bounds one call to a predictor.
	KServeTimeout time.Duration
	// KServeModels are the models configured through KSERVE_<NAME>_SERVICE/_URL, sorted by name.
	KServeModels []KServeModel
	// PrometheusURL is the Prometheus or Thanos querier base URL; nil disables analytics.
	PrometheusURL *url.URL
	// PrometheusTokenFile holds the bearer token for Prometheus; "" sends none.
	PrometheusTokenFile string
	// PrometheusCAFile is the PEM bundle that verifies Prometheus's certificate; "" uses the
	// system roots.
	PrometheusCAFile string
	// ArgoCDAPIURL is the optional Argo CD API server base URL.
	ArgoCDAPIURL *url.URL
	// HTTPTimeout bounds one call to an HTTP dependency (ML service, Prometheus, Argo CD).
	HTTPTimeout time.Duration
	// LeaderElection says whether to elect a leader (auto: only in-cluster).
	LeaderElection LeaderElectionMode
	// ShutdownTimeout bounds the drain of in-flight requests after SIGTERM.
	ShutdownTimeout time.Duration
	// PlatformRefreshInterval is how often the platform and permissions are discovered again.
	PlatformRefreshInterval time.Duration
	// RetentionMaxAge is how long finished incidents and workflows are kept.
	RetentionMaxAge time.Duration
	// RetentionMaxCount is how many finished incidents (and workflows) are kept at most.
	RetentionMaxCount int
	// RetentionInterval is how often finished objects are pruned.
	RetentionInterval time.Duration
	// KubeAPIQPS and KubeAPIBurst bound the engine's request rate to the Kubernetes API.
	KubeAPIQPS, KubeAPIBurst int
	// MaxRequestBodyBytes caps a request body; larger bodies get 413.
	MaxRequestBodyBytes int64
	// SafetyConfigMap names the ConfigMap in Namespace that holds the safety gate's policy.
	SafetyConfigMap string
	// VerifyWindow is how long a remediated target must stay healthy to count as recovered.
	VerifyWindow time.Duration
	// VerifyTimeout is how long a remediated target may take to recover before the engine undoes
	// its change and escalates.
	VerifyTimeout time.Duration
	// MemoryLimitFactor multiplies a memory limit after an OOMKill.
	MemoryLimitFactor float64
	// MemoryLimitCeiling caps a raised memory limit (a Kubernetes quantity).
	MemoryLimitCeiling string
	// MaxReplicas caps scaling by the engine.
	MaxReplicas int
	// OperatorFieldMappings maps custom resource kinds' fields for the operator strategy.
	OperatorFieldMappings string
	// ArgoCDNamespace is Argo CD's own namespace (openshift-gitops, argocd), where its
	// repository Secrets are; empty means each Application's namespace.
	ArgoCDNamespace string
	// GitPushMode is where the Argo CD strategy pushes its commits: "target" (the branch the
	// Application deploys from) or "review" (a branch of its own, for people to merge).
	GitPushMode string
	// GitReviewBranchPrefix prefixes review branches: <prefix>/<workflow>.
	GitReviewBranchPrefix string
	// GitCredentialsSecret names a Secret ("name" in Namespace, or "namespace/name") whose Git
	// credentials are used instead of Argo CD's repository Secrets; empty uses Argo CD's.
	GitCredentialsSecret string
	// GitAuthor is the author of the engine's commits: "Name <email>".
	GitAuthor string
	// GitWorkDir is where repositories are cloned (each clone is removed after use); empty is
	// the system's temporary directory.
	GitWorkDir string
	// HelmPendingTimeout is how long a Helm release may stay pending-install/upgrade/rollback
	// before the engine treats it as stuck and recovers it.
	HelmPendingTimeout time.Duration
	// WatchEnabled turns the cluster watchers on.
	WatchEnabled bool
	// WatchDebounce is how long a watched problem must last before it is reported (and be gone
	// before its incident is closed).
	WatchDebounce time.Duration
	// WatchResignal is how often a lasting problem is reported again.
	WatchResignal time.Duration
	// CrashLoopRestarts is the restart count from which a failing container is crash-looping.
	CrashLoopRestarts int
	// AutoRemediationConfigMap names the ConfigMap in Namespace with the auto-remediation policy.
	AutoRemediationConfigMap string
}
