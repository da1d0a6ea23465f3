package config

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"selfhealing.dev/coordination-engine/internal/remediation/operator"
)

// setting is one row of the configuration table.
type setting struct {
	// envs are the variables that set it, highest precedence first.
	envs []string
	// flag is the command-line flag that mirrors it.
	flag string
	// def is the default, as text.
	def string
	// usage says what it does.
	usage string
	// apply parses a value into the options; it returns the accepted values on failure.
	apply func(o *Options, v string) (accepted string, ok bool)
}

// settings is every setting the engine reads, in the order --help lists them.
var settings = []setting{
	{envs: []string{"SERVER_PORT", "PORT"}, flag: "port", def: "8080",
		usage: "port of the REST API, the health endpoints and /metrics (SERVER_PORT wins over PORT)",
		apply: func(o *Options, v string) (string, bool) { return portValue(&o.APIPort, v) }},
	{envs: []string{"METRICS_PORT"}, flag: "metrics-port", def: "9090",
		usage: "port that serves only /metrics (for the ServiceMonitor)",
		apply: func(o *Options, v string) (string, bool) { return portValue(&o.MetricsPort, v) }},
	{envs: []string{"BIND_ADDRESS"}, flag: "bind-address", def: "",
		usage: "IP address both ports listen on; empty means every interface (what a pod needs), 127.0.0.1 keeps the engine to this machine",
		apply: func(o *Options, v string) (string, bool) {
			if v != "" && net.ParseIP(v) == nil {
				return "an IP address such as 127.0.0.1 or ::1, or empty for every interface", false
			}
			o.BindAddress = v
			return "", true
		}},
	{envs: []string{"API_AUTH_MODE"}, flag: "api-auth-mode", def: "none",
		usage: "who may call the API (health and metrics stay open): none; token (bearer tokens from API_AUTH_TOKENS_FILE, role read or write); kubernetes (TokenReview, then a SubjectAccessReview on resource api.coordination.selfhealing.dev in NAMESPACE: get to read, create/update/delete to write)",
		apply: func(o *Options, v string) (string, bool) {
			return oneOf(&o.APIAuthMode, strings.ToLower(v), "none", "token", "kubernetes")
		}},
	{envs: []string{"API_AUTH_TOKENS_FILE"}, flag: "api-auth-tokens-file", def: "",
		usage: "for API_AUTH_MODE=token: a file (mounted from a Secret) with one \"<token> [read|write]\" per line, tokens of 16 characters or more; re-read when it changes",
		apply: func(o *Options, v string) (string, bool) { o.APIAuthTokensFile = v; return "", true }},
	{envs: []string{"LOG_LEVEL"}, flag: "log-level", def: "info",
		usage: "log verbosity",
		apply: func(o *Options, v string) (string, bool) {
			return oneOf(&o.LogLevel, strings.ToLower(v), "debug", "info", "warn", "error")
		}},
	{envs: []string{"NAMESPACE"}, flag: "namespace", def: "self-healing-platform",
		usage: "the engine's own namespace: its incidents, workflows, leader-election Lease and ConfigMaps",
		apply: func(o *Options, v string) (string, bool) { return namespaceValue(&o.Namespace, v) }},
	{envs: []string{"KUBECONFIG"}, flag: "kubeconfig", def: "",
		usage: "kubeconfig file; when empty the in-cluster service account is used, then ~/.kube/config",
		apply: func(o *Options, v string) (string, bool) { o.Kubeconfig = v; return "", true }},
	{envs: []string{"ML_SERVICE_URL"}, flag: "ml-service-url", def: "",
		usage: "base URL of the Python ML service (POST {url}/api/v1/detect); empty disables it",
		apply: func(o *Options, v string) (string, bool) { return urlValue(&o.MLServiceURL, v) }},
	{envs: []string{"ML_SERVICE_TIMEOUT"}, flag: "ml-service-timeout", def: "10s",
		usage: "timeout of one call to the ML service; timeouts and connection errors are retried twice, and 5 failures in a row open its circuit breaker for 30s (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.MLServiceTimeout, v) }},
	{envs: []string{"ENABLE_KSERVE_INTEGRATION"}, flag: "enable-kserve-integration", def: "false",
		usage: "call models served by KServe InferenceServices (KServe v1 protocol)",
		apply: func(o *Options, v string) (string, bool) { return boolValue(&o.KServeEnabled, v) }},
	{envs: []string{"KSERVE_NAMESPACE"}, flag: "kserve-namespace", def: "",
		usage: "namespace of the InferenceServices; empty means NAMESPACE",
		apply: func(o *Options, v string) (string, bool) {
			if v == "" {
				return "", true
			}
			return namespaceValue(&o.KServeNamespace, v)
		}},
	{envs: []string{"KSERVE_PREDICTOR_PORT"}, flag: "kserve-predictor-port", def: "8080",
		usage: "HTTP port of the KServe predictors",
		apply: func(o *Options, v string) (string, bool) { return portValue(&o.KServePredictorPort, v) }},
	{envs: []string{"KSERVE_TIMEOUT"}, flag: "kserve-timeout", def: "10s",
		usage: "timeout of one call to a KServe predictor (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.KServeTimeout, v) }},
	{envs: []string{"PROMETHEUS_URL"}, flag: "prometheus-url", def: "",
		usage: "Prometheus or Thanos querier base URL; empty disables the Prometheus-backed analytics",
		apply: func(o *Options, v string) (string, bool) { return urlValue(&o.PrometheusURL, v) }},
	{envs: []string{"PROMETHEUS_TOKEN_FILE"}, flag: "prometheus-token-file", def: "",
		usage: "file holding the bearer token sent to Prometheus, re-read on every query (on OpenShift the service account token, /var/run/secrets/kubernetes.io/serviceaccount/token); empty sends none",
		apply: func(o *Options, v string) (string, bool) { o.PrometheusTokenFile = v; return "", true }},
	{envs: []string{"PROMETHEUS_CA_FILE"}, flag: "prometheus-ca-file", def: "",
		usage: "PEM bundle of the CAs that sign Prometheus's certificate (on OpenShift the service CA, /var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt); empty uses the system roots",
		apply: func(o *Options, v string) (string, bool) { o.PrometheusCAFile = v; return "", true }},
	{envs: []string{"ARGOCD_API_URL"}, flag: "argocd-api-url", def: "",
		usage: "optional Argo CD API server base URL; Applications are read through Kubernetes either way",
		apply: func(o *Options, v string) (string, bool) { return urlValue(&o.ArgoCDAPIURL, v) }},
	{envs: []string{"HTTP_TIMEOUT"}, flag: "http-timeout", def: "30s",
		usage: "timeout of one call to an HTTP dependency: ML service, Prometheus, Argo CD (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.HTTPTimeout, v) }},
	{envs: []string{"LEADER_ELECTION"}, flag: "leader-election", def: "auto",
		usage: "elect a leader through a Lease in NAMESPACE: auto (only when running in a cluster), true, false",
		apply: func(o *Options, v string) (string, bool) {
			var s string
			acc, ok := oneOf(&s, strings.ToLower(v), "auto", "true", "false")
			o.LeaderElection = LeaderElectionMode(s)
			return acc, ok
		}},
	{envs: []string{"SHUTDOWN_TIMEOUT"}, flag: "shutdown-timeout", def: "10s",
		usage: "how long in-flight requests may drain after SIGTERM or SIGINT (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.ShutdownTimeout, v) }},
	{envs: []string{"PLATFORM_REFRESH_INTERVAL"}, flag: "platform-refresh-interval", def: "5m",
		usage: "how often the platform version, optional APIs and RBAC permissions are discovered again (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.PlatformRefreshInterval, v) }},
	{envs: []string{"RETENTION_MAX_AGE"}, flag: "retention-max-age", def: "168h",
		usage: "finished (completed, failed, cancelled) incidents and workflows are removed this long after they finished (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.RetentionMaxAge, v) }},
	{envs: []string{"RETENTION_MAX_COUNT"}, flag: "retention-max-count", def: "10000",
		usage: "at most this many finished incidents, and as many finished workflows, are kept; the oldest go first",
		apply: func(o *Options, v string) (string, bool) { return intValue(&o.RetentionMaxCount, v, 1, 1_000_000) }},
	{envs: []string{"RETENTION_INTERVAL"}, flag: "retention-interval", def: "10m",
		usage: "how often finished objects are pruned (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.RetentionInterval, v) }},
	{envs: []string{"KUBE_API_QPS"}, flag: "kube-api-qps", def: "500",
		usage: "sustained requests per second the engine may send to the Kubernetes API (each durable REST write is one request; the API server's priority and fairness still applies)",
		apply: func(o *Options, v string) (string, bool) { return intValue(&o.KubeAPIQPS, v, 1, 100_000) }},
	{envs: []string{"KUBE_API_BURST"}, flag: "kube-api-burst", def: "1000",
		usage: "burst of requests above KUBE_API_QPS the engine may send to the Kubernetes API",
		apply: func(o *Options, v string) (string, bool) { return intValue(&o.KubeAPIBurst, v, 1, 100_000) }},
	{envs: []string{"MAX_REQUEST_BODY_BYTES"}, flag: "max-request-body-bytes", def: "1048576",
		usage: "largest accepted request body in bytes; larger bodies are refused with 413",
		apply: func(o *Options, v string) (string, bool) {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 || n > 64<<20 {
				return "an integer number of bytes from 1024 to 67108864", false
			}
			o.MaxRequestBodyBytes = n
			return "", true
		}},
	{envs: []string{"SAFETY_CONFIGMAP"}, flag: "safety-configmap", def: "coordination-engine-safety",
		usage: "ConfigMap in NAMESPACE with the safety gate's policy (budgets, cooldown, protected namespaces, approvals); absent means the safe defaults, invalid means every action is refused until it is fixed",
		apply: func(o *Options, v string) (string, bool) { return nameValue(&o.SafetyConfigMap, v) }},
	{envs: []string{"VERIFY_WINDOW"}, flag: "verify-window", def: "30s",
		usage: "how long a remediated workload must stay healthy, with stable restart counts, to count as recovered (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.VerifyWindow, v) }},
	{envs: []string{"VERIFY_TIMEOUT"}, flag: "verify-timeout", def: "5m",
		usage: "how long a remediated workload may take to recover before the engine undoes its own change and escalates the incident (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.VerifyTimeout, v) }},
	{envs: []string{"MEMORY_LIMIT_FACTOR"}, flag: "memory-limit-factor", def: "1.5",
		usage: "factor an OOMKilled container's memory limit is raised by (within the ceiling, the LimitRange and the quota)",
		apply: func(o *Options, v string) (string, bool) {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 1 || f > 10 {
				return "a number above 1 and at most 10, such as 1.5", false
			}
			o.MemoryLimitFactor = f
			return "", true
		}},
	{envs: []string{"MEMORY_LIMIT_CEILING"}, flag: "memory-limit-ceiling", def: "4Gi",
		usage: "the highest memory limit the engine sets (a Kubernetes quantity)",
		apply: func(o *Options, v string) (string, bool) {
			q, err := resource.ParseQuantity(v)
			if err != nil || q.Sign() <= 0 {
				return "a positive Kubernetes quantity such as 512Mi or 4Gi", false
			}
			o.MemoryLimitCeiling = q.String()
			return "", true
		}},
	{envs: []string{"MAX_REPLICAS"}, flag: "max-replicas", def: "10",
		usage: "the most replicas the engine scales a workload (or an autoscaler's maximum) to",
		apply: func(o *Options, v string) (string, bool) { return intValue(&o.MaxReplicas, v, 1, 10_000) }},
	{envs: []string{"OPERATOR_FIELD_MAPPINGS"}, flag: "operator-field-mappings", def: "",
		usage: "fields of operators' custom resources the operator strategy changes: \"Kind.group:action=/json/pointer,...;...\" with actions set_memory_limit, scale, restart; unmapped restarts set a reconcile-request annotation",
		apply: func(o *Options, v string) (string, bool) {
			if _, err := operator.ParseMappings(v); err != nil {
				return "entries \"Kind.group:action=/json/pointer[,...]\" separated by ';' (" + err.Error() + ")", false
			}
			o.OperatorFieldMappings = v
			return "", true
		}},
	{envs: []string{"ARGOCD_NAMESPACE"}, flag: "argocd-namespace", def: "",
		usage: "Argo CD's own namespace (openshift-gitops on OpenShift GitOps, argocd upstream): where its repository Secrets are read, and where Applications named without a namespace are; empty means each Application's namespace",
		apply: func(o *Options, v string) (string, bool) {
			if v == "" {
				o.ArgoCDNamespace = ""
				return "", true
			}
			return namespaceValue(&o.ArgoCDNamespace, v)
		}},
	{envs: []string{"GIT_PUSH_MODE"}, flag: "git-push-mode", def: "target",
		usage: "where the Argo CD strategy pushes its commits: target (the branch the Application deploys from, then a sync) or review (a branch <GIT_REVIEW_BRANCH_PREFIX>/<workflow> for people to merge)",
		apply: func(o *Options, v string) (string, bool) {
			return oneOf(&o.GitPushMode, strings.ToLower(v), "target", "review")
		}},
	{envs: []string{"GIT_REVIEW_BRANCH_PREFIX"}, flag: "git-review-branch-prefix", def: "coordination-engine",
		usage: "prefix of review branches (GIT_PUSH_MODE=review)",
		apply: func(o *Options, v string) (string, bool) { return branchPrefixValue(&o.GitReviewBranchPrefix, v) }},
	{envs: []string{"GIT_CREDENTIALS_SECRET"}, flag: "git-credentials-secret", def: "",
		usage: "Secret (\"name\" in NAMESPACE, or \"namespace/name\") with Git credentials in Argo CD's keys (url: the repository, or a prefix of the repositories, it serves; username, password, sshPrivateKey, sshKnownHosts) used instead of Argo CD's repository Secrets for the repositories its url names; empty uses Argo CD's",
		apply: func(o *Options, v string) (string, bool) { return secretRefValue(&o.GitCredentialsSecret, v) }},
	{envs: []string{"GIT_AUTHOR"}, flag: "git-author", def: "coordination-engine <coordination-engine@selfhealing.dev>",
		usage: "author of the engine's Git commits, \"Name <email>\"",
		apply: func(o *Options, v string) (string, bool) { return authorValue(&o.GitAuthor, v) }},
	{envs: []string{"GIT_WORKDIR"}, flag: "git-workdir", def: "",
		usage: "directory repositories are cloned into (each clone is removed after use); empty is the system's temporary directory, which must be writable (an emptyDir with a read-only root filesystem)",
		apply: func(o *Options, v string) (string, bool) { o.GitWorkDir = v; return "", true }},
	{envs: []string{"HELM_PENDING_TIMEOUT"}, flag: "helm-pending-timeout", def: "5m",
		usage: "how long a Helm release may stay pending-install/upgrade/rollback before the engine treats it as stuck, marks that revision failed and recovers (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.HelmPendingTimeout, v) }},
	{envs: []string{"WATCH_ENABLED"}, flag: "watch-enabled", def: "true",
		usage: "watch the cluster for problems (crash loops, OOMKilled, image pull errors, stuck rollouts, node conditions, on OpenShift degraded ClusterOperators and MachineConfigPools) and open incidents for them",
		apply: func(o *Options, v string) (string, bool) { return boolValue(&o.WatchEnabled, v) }},
	{envs: []string{"WATCH_DEBOUNCE"}, flag: "watch-debounce", def: "10s",
		usage: "how long a problem the watchers see must last before it is reported, and be gone before its incident is closed (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.WatchDebounce, v) }},
	{envs: []string{"WATCH_RESIGNAL"}, flag: "watch-resignal", def: "5m",
		usage: "how often a problem that lasts is reported again (a resolved incident whose problem is back is reopened) (Go duration)",
		apply: func(o *Options, v string) (string, bool) { return durationValue(&o.WatchResignal, v) }},
	{envs: []string{"CRASH_LOOP_RESTARTS"}, flag: "crash-loop-restarts", def: "3",
		usage: "restarts after which a failing container counts as crash-looping even before Kubernetes reports CrashLoopBackOff",
		apply: func(o *Options, v string) (string, bool) { return intValue(&o.CrashLoopRestarts, v, 1, 1000) }},
	{envs: []string{"AUTOREMEDIATION_CONFIGMAP"}, flag: "autoremediation-configmap", def: "coordination-engine-autoremediation",
		usage: "ConfigMap in NAMESPACE with the auto-remediation policy (policy.yaml: per signal kind and namespace automatic, approval or incident); absent means the defaults (automatic for application actions, approval for nodes, incident only in kube-*, openshift-* and NAMESPACE), invalid means incident only until it is fixed",
		apply: func(o *Options, v string) (string, bool) { return nameValue(&o.AutoRemediationConfigMap, v) }},
}

// branchPrefixValue accepts a Git branch-name prefix: letters, digits, '-', '_', '.', '/'.
func branchPrefixValue(dst *string, v string) (string, bool) {
	const accepted = "a branch-name prefix of letters, digits, '-', '_', '.' and '/', such as coordination-engine"
	if v == "" || strings.HasPrefix(v, "/") || strings.HasSuffix(v, "/") || strings.Contains(v, "..") || strings.Contains(v, "//") {
		return accepted, false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r)) {
			return accepted, false
		}
	}
	*dst = v
	return "", true
}

// secretRefValue accepts "name" or "namespace/name", or empty.
func secretRefValue(dst *string, v string) (string, bool) {
	const accepted = "a Secret name, or namespace/name"
	if v == "" {
		*dst = ""
		return "", true
	}
	parts := strings.Split(v, "/")
	if len(parts) > 2 {
		return accepted, false
	}
	for i, p := range parts {
		if len(parts) == 2 && i == 0 {
			if len(validation.IsDNS1123Label(p)) > 0 {
				return accepted, false
			}
			continue
		}
		if len(validation.IsDNS1123Subdomain(p)) > 0 {
			return accepted, false
		}
	}
	*dst = v
	return "", true
}

// authorValue accepts "Name <email>".
func authorValue(dst *string, v string) (string, bool) {
	const accepted = "\"Name <email>\", such as coordination-engine <coordination-engine@example.com>"
	open, end := strings.Index(v, "<"), strings.LastIndex(v, ">")
	if open < 1 || end != len(v)-1 || end-open < 4 || !strings.Contains(v[open:end], "@") || strings.TrimSpace(v[:open]) == "" {
		return accepted, false
	}
	*dst = v
	return "", true
}

func nameValue(dst *string, v string) (string, bool) {
	if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
		return "a Kubernetes object name (lower-case letters, digits, '-' and '.')", false
	}
	*dst = v
	return "", true
}

func portValue(dst *int, v string) (string, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return "an integer port from 1 to 65535", false
	}
	*dst = n
	return "", true
}

func intValue(dst *int, v string, lo, hi int) (string, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return "an integer from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi), false
	}
	*dst = n
	return "", true
}

func oneOf(dst *string, v string, allowed ...string) (string, bool) {
	for _, a := range allowed {
		if v == a {
			*dst = v
			return "", true
		}
	}
	return strings.Join(allowed, ", "), false
}

func boolValue(dst *bool, v string) (string, bool) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return "true or false", false
	}
	*dst = b
	return "", true
}

func durationValue(dst *time.Duration, v string) (string, bool) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return "a positive Go duration such as 500ms, 10s or 5m", false
	}
	*dst = d
	return "", true
}

func namespaceValue(dst *string, v string) (string, bool) {
	if errs := validation.IsDNS1123Label(v); len(errs) > 0 {
		return "a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)", false
	}
	*dst = v
	return "", true
}

func urlValue(dst **url.URL, v string) (string, bool) {
	if v == "" {
		*dst = nil
		return "", true
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "an absolute http:// or https:// URL, or empty to disable", false
	}
	*dst = u
	return "", true
}
