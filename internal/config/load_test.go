package config

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadDefaultsStart(t *testing.T) {
	o, err := Load(nil, nil)
	if err != nil {
		t.Fatalf("Load(defaults) error = %v, want nil", err)
	}
	want := Options{
		APIPort: 8080, MetricsPort: 9090, LogLevel: "info", Namespace: "self-healing-platform",
		KServeNamespace: "self-healing-platform", KServePredictorPort: 8080, KServeTimeout: 10 * time.Second, MLServiceTimeout: 10 * time.Second, APIAuthMode: "none",
		HTTPTimeout: 30 * time.Second, LeaderElection: LeaderElectionAuto, ShutdownTimeout: 10 * time.Second,
		PlatformRefreshInterval: 5 * time.Minute, MaxRequestBodyBytes: 1 << 20, KServeModels: []KServeModel{},
		RetentionMaxAge: 168 * time.Hour, RetentionMaxCount: 10000, RetentionInterval: 10 * time.Minute,
		KubeAPIQPS: 500, KubeAPIBurst: 1000, SafetyConfigMap: "coordination-engine-safety",
		VerifyWindow: 30 * time.Second, VerifyTimeout: 5 * time.Minute, MemoryLimitFactor: 1.5, MemoryLimitCeiling: "4Gi",
		MaxReplicas: 10, GitPushMode: "target", GitReviewBranchPrefix: "coordination-engine",
		GitAuthor: "coordination-engine <coordination-engine@selfhealing.dev>", HelmPendingTimeout: 5 * time.Minute,
		WatchEnabled: true, WatchDebounce: 10 * time.Second, WatchResignal: 5 * time.Minute, CrashLoopRestarts: 3,
		AutoRemediationConfigMap: "coordination-engine-autoremediation",
	}
	if d := cmp.Diff(want, o); d != "" {
		t.Errorf("Load(defaults) mismatch (-want +got):\n%s", d)
	}
}

func TestLoadPrecedence(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantAPI int
	}{
		{"PORT sets the API port", nil, []string{"PORT=7000"}, 7000},
		{"SERVER_PORT wins over PORT", nil, []string{"PORT=7000", "SERVER_PORT=7001"}, 7001},
		{"a flag wins over both variables", []string{"--port=7002"}, []string{"PORT=7000", "SERVER_PORT=7001"}, 7002},
		{"an empty SERVER_PORT falls through to PORT", nil, []string{"SERVER_PORT=", "PORT=7003"}, 7003},
		{"the Service link variable Kubernetes injects is ignored", nil, []string{"COORDINATION_ENGINE_PORT=tcp://10.0.0.1:8080"}, 8080},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Load(tt.args, tt.env)
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			if o.APIPort != tt.wantAPI {
				t.Errorf("APIPort = %d, want %d", o.APIPort, tt.wantAPI)
			}
		})
	}
}

func TestLoadRejectsMalformedValuesNamingTheVariable(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		env          []string
		wantVariable string
	}{
		{"non-numeric PORT", nil, []string{"PORT=http"}, "PORT"},
		{"PORT out of range", nil, []string{"PORT=70000"}, "PORT"},
		{"zero SERVER_PORT", nil, []string{"SERVER_PORT=0"}, "SERVER_PORT"},
		{"bad METRICS_PORT", nil, []string{"METRICS_PORT=-1"}, "METRICS_PORT"},
		{"unknown LOG_LEVEL", nil, []string{"LOG_LEVEL=verbose"}, "LOG_LEVEL"},
		{"NAMESPACE with capitals", nil, []string{"NAMESPACE=Self_Healing"}, "NAMESPACE"},
		{"relative ML_SERVICE_URL", nil, []string{"ML_SERVICE_URL=aiops-ml-service:8080"}, "ML_SERVICE_URL"},
		{"ftp PROMETHEUS_URL", nil, []string{"PROMETHEUS_URL=ftp://prom"}, "PROMETHEUS_URL"},
		{"non-boolean ENABLE_KSERVE_INTEGRATION", nil, []string{"ENABLE_KSERVE_INTEGRATION=yes please"}, "ENABLE_KSERVE_INTEGRATION"},
		{"KSERVE_TIMEOUT without unit", nil, []string{"KSERVE_TIMEOUT=10"}, "KSERVE_TIMEOUT"},
		{"negative HTTP_TIMEOUT", nil, []string{"HTTP_TIMEOUT=-5s"}, "HTTP_TIMEOUT"},
		{"unknown LEADER_ELECTION", nil, []string{"LEADER_ELECTION=maybe"}, "LEADER_ELECTION"},
		{"zero RETENTION_MAX_COUNT", nil, []string{"RETENTION_MAX_COUNT=0"}, "RETENTION_MAX_COUNT"},
		{"RETENTION_MAX_AGE in days", nil, []string{"RETENTION_MAX_AGE=7d"}, "RETENTION_MAX_AGE"},
		{"non-numeric KUBE_API_QPS", nil, []string{"KUBE_API_QPS=fast"}, "KUBE_API_QPS"},
		{"tiny MAX_REQUEST_BODY_BYTES", nil, []string{"MAX_REQUEST_BODY_BYTES=10"}, "MAX_REQUEST_BODY_BYTES"},
		{"bad flag value names the flag", []string{"--port", "x"}, nil, "--port"},
		{"bad KServe model URL", nil, []string{"KSERVE_ANOMALY_DETECTOR_URL=not a url"}, "KSERVE_ANOMALY_DETECTOR_URL"},
		{"KServe model name without service", nil, []string{"KSERVE_ANOMALY_DETECTOR_MODEL=m"}, "KSERVE_ANOMALY_DETECTOR_SERVICE"},
		{"ARGOCD_NAMESPACE with capitals", nil, []string{"ARGOCD_NAMESPACE=Argo_CD"}, "ARGOCD_NAMESPACE"},
		{"unknown GIT_PUSH_MODE", nil, []string{"GIT_PUSH_MODE=force"}, "GIT_PUSH_MODE"},
		{"GIT_REVIEW_BRANCH_PREFIX with a space", nil, []string{"GIT_REVIEW_BRANCH_PREFIX=fix me"}, "GIT_REVIEW_BRANCH_PREFIX"},
		{"GIT_REVIEW_BRANCH_PREFIX with ..", nil, []string{"GIT_REVIEW_BRANCH_PREFIX=a..b"}, "GIT_REVIEW_BRANCH_PREFIX"},
		{"GIT_CREDENTIALS_SECRET with three parts", nil, []string{"GIT_CREDENTIALS_SECRET=a/b/c"}, "GIT_CREDENTIALS_SECRET"},
		{"GIT_CREDENTIALS_SECRET with capitals", nil, []string{"GIT_CREDENTIALS_SECRET=Git-Creds"}, "GIT_CREDENTIALS_SECRET"},
		{"GIT_AUTHOR without an email", nil, []string{"GIT_AUTHOR=engine"}, "GIT_AUTHOR"},
		{"HELM_PENDING_TIMEOUT without unit", nil, []string{"HELM_PENDING_TIMEOUT=300"}, "HELM_PENDING_TIMEOUT"},
		{"BIND_ADDRESS not an IP", nil, []string{"BIND_ADDRESS=localhost"}, "BIND_ADDRESS"},
		{"WATCH_DEBOUNCE without unit", nil, []string{"WATCH_DEBOUNCE=10"}, "WATCH_DEBOUNCE"},
		{"WATCH_ENABLED not a boolean", nil, []string{"WATCH_ENABLED=sometimes"}, "WATCH_ENABLED"},
		{"CRASH_LOOP_RESTARTS zero", nil, []string{"CRASH_LOOP_RESTARTS=0"}, "CRASH_LOOP_RESTARTS"},
		{"AUTOREMEDIATION_CONFIGMAP not a name", nil, []string{"AUTOREMEDIATION_CONFIGMAP=Bad_Name"}, "AUTOREMEDIATION_CONFIGMAP"},
		{"unknown API_AUTH_MODE", nil, []string{"API_AUTH_MODE=oauth"}, "API_AUTH_MODE"},
		{"API_AUTH_MODE=token without a tokens file", nil, []string{"API_AUTH_MODE=token"}, "API_AUTH_TOKENS_FILE"},
		{"ML_SERVICE_TIMEOUT without unit", nil, []string{"ML_SERVICE_TIMEOUT=10"}, "ML_SERVICE_TIMEOUT"},
		{"PROMETHEUS_URL not a URL", nil, []string{"PROMETHEUS_URL=::"}, "PROMETHEUS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, tt.env)
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Load() error = %v, want *InvalidError", err)
			}
			if inv.Variable != tt.wantVariable {
				t.Errorf("InvalidError.Variable = %q, want %q", inv.Variable, tt.wantVariable)
			}
			if inv.Accepted == "" || !strings.Contains(err.Error(), tt.wantVariable) {
				t.Errorf("error %q should name %s and the accepted values", err, tt.wantVariable)
			}
		})
	}
}

func TestLoadHelpAndUnknownFlags(t *testing.T) {
	if _, err := Load([]string{"--help"}, nil); !errors.Is(err, ErrHelp) {
		t.Errorf("Load(--help) error = %v, want ErrHelp", err)
	}
	_, err := Load([]string{"--no-such-flag"}, nil)
	if err == nil || !strings.Contains(err.Error(), "no-such-flag") {
		t.Errorf("Load(--no-such-flag) error = %v, want it named", err)
	}
}

func TestLoadKServeModels(t *testing.T) {
	env := []string{
		"ENABLE_KSERVE_INTEGRATION=true", "KSERVE_NAMESPACE=models", "KSERVE_TIMEOUT=2s",
		"KSERVE_ANOMALY_DETECTOR_SERVICE=anomaly-detector-predictor",
		"KSERVE_PREDICTIVE_ANALYTICS_SERVICE=predictive-analytics-predictor",
		"KSERVE_PREDICTIVE_ANALYTICS_MODEL=predictive",
		"KSERVE_PREDICTIVE_ANALYTICS_URL=http://127.0.0.1:9000",
	}
	o, err := Load(nil, env)
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if !o.KServeEnabled || o.KServeNamespace != "models" || o.KServeTimeout != 2*time.Second {
		t.Errorf("KServe settings = %v %q %v", o.KServeEnabled, o.KServeNamespace, o.KServeTimeout)
	}
	if len(o.KServeModels) != 2 {
		t.Fatalf("KServeModels = %+v, want 2", o.KServeModels)
	}
	a, p := o.KServeModels[0], o.KServeModels[1]
	if a.Name != "anomaly-detector" || a.Model != "anomaly-detector" || a.Service != "anomaly-detector-predictor" || a.URL != nil {
		t.Errorf("anomaly model = %+v", a)
	}
	if p.Name != "predictive-analytics" || p.Model != "predictive" || p.URL.String() != "http://127.0.0.1:9000" {
		t.Errorf("predictive model = %+v", p)
	}
}

func TestUsageListsEverySetting(t *testing.T) {
	var b bytes.Buffer
	Usage(&b)
	for _, s := range settings {
		for _, e := range s.envs {
			if !strings.Contains(b.String(), e) {
				t.Errorf("--help lacks %s", e)
			}
		}
		if !strings.Contains(b.String(), "--"+s.flag) {
			t.Errorf("--help lacks --%s", s.flag)
		}
	}
}

func TestReferenceDocIsCurrent(t *testing.T) {
	var b bytes.Buffer
	Reference(&b)
	got, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatalf("read docs/configuration.md: %v (run make docs)", err)
	}
	if string(got) != b.String() {
		t.Errorf("docs/configuration.md is out of date with internal/config; run make docs")
	}
}
