package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

var clusterVersions = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterversions"}

type statusResponse struct {
	Status string `json:"status"`
	Engine struct {
		State  string `json:"state"`
		Leader bool   `json:"leader"`
	} `json:"engine"`
	Platform *struct {
		Name             string `json:"name"`
		Version          string `json:"version"`
		OpenShiftVersion string `json:"openshift_version"`
	} `json:"platform"`
}

func TestEngineServesTheOperationalContract(t *testing.T) {
	ctx := t.Context()
	kubeconfig, err := env.KubeconfigFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, "KUBECONFIG="+kubeconfig, "PLATFORM_REFRESH_INTERVAL=1s", "SHUTDOWN_TIMEOUT=3s")

	eventually(t, 3*time.Second, "/health answers 200", func() error {
		var h struct {
			Status, Version, Timestamp string
		}
		code, err := get(ctx, e.apiURL+"/health", &h)
		if err != nil || code != http.StatusOK || h.Status != "ok" || h.Timestamp == "" {
			return fmt.Errorf("code %d status %q err %v", code, h.Status, err)
		}
		return nil
	})
	eventually(t, 15*time.Second, "/readyz answers 200", func() error {
		code, err := get(ctx, e.apiURL+"/readyz", nil)
		if code != http.StatusOK {
			return fmt.Errorf("code %d err %v", code, err)
		}
		return nil
	})
	if code, err := get(ctx, e.apiURL+"/healthz", nil); code != http.StatusOK {
		t.Errorf("/healthz = %d %v, want 200", code, err)
	}

	t.Run("metrics on both ports carry the platform's names", func(t *testing.T) {
		for _, base := range []string{e.apiURL, e.metricsURL} {
			eventually(t, 15*time.Second, base+"/metrics", func() error {
				code, body, err := getText(ctx, base+"/metrics")
				if err != nil || code != http.StatusOK {
					return fmt.Errorf("code %d err %v", code, err)
				}
				for _, want := range []string{
					"coordination_engine_status 1",
					"coordination_engine_active_actions 0",
					`coordination_engine_actions_total{action_type="node_remediation",source="deterministic"} 0`,
					`coordination_engine_conflicts_total{conflict_type="same_target"} 0`,
					"coordination_engine_resolution_seconds_bucket",
					"coordination_engine_http_requests_total",
					`coordination_engine_platform_info{platform="kubernetes"`,
				} {
					if !strings.Contains(body, want) {
						return fmt.Errorf("missing %q", want)
					}
				}
				return nil
			})
		}
	})

	t.Run("deep health reports every dependency and the RBAC self-check", func(t *testing.T) {
		var h struct {
			Status       string `json:"status"`
			Dependencies map[string]struct {
				Status    string  `json:"status"`
				LatencyMS float64 `json:"latency_ms"`
			} `json:"dependencies"`
			RBAC struct {
				Status  string `json:"status"`
				Checked int    `json:"checked"`
			} `json:"rbac"`
		}
		eventually(t, 10*time.Second, "deep health with RBAC checked", func() error {
			code, err := get(ctx, e.apiURL+"/api/v1/health", &h)
			if err != nil || code != http.StatusOK || h.RBAC.Status != "ok" {
				return fmt.Errorf("code %d rbac %q err %v", code, h.RBAC.Status, err)
			}
			return nil
		})
		want := map[string]string{"kubernetes": "ok", "ml_service": "disabled", "kserve": "disabled", "argocd": "disabled", "prometheus": "disabled"}
		for dep, st := range want {
			if h.Dependencies[dep].Status != st {
				t.Errorf("dependency %s = %q, want %q", dep, h.Dependencies[dep].Status, st)
			}
		}
		if h.RBAC.Checked == 0 {
			t.Errorf("RBAC self-check checked nothing")
		}
	})

	t.Run("a ClusterVersion saying 4.19 makes the status report OpenShift 4.19", func(t *testing.T) {
		var st statusResponse
		eventually(t, 10*time.Second, "platform kubernetes", func() error {
			if _, err := get(ctx, e.apiURL+"/api/v1/status", &st); err != nil || st.Platform == nil || st.Platform.Name != "kubernetes" {
				return fmt.Errorf("status %+v err %v", st, err)
			}
			return nil
		})
		createClusterVersion(t, "4.19.11")
		eventually(t, 10*time.Second, "platform openshift 4.19", func() error {
			st = statusResponse{}
			if _, err := get(ctx, e.apiURL+"/api/v1/status", &st); err != nil || st.Platform == nil ||
				st.Platform.Name != "openshift" || st.Platform.Version != "4.19.11" {
				return fmt.Errorf("status platform %+v err %v", st.Platform, err)
			}
			return nil
		})
		if st.Status != "running" || !st.Engine.Leader {
			t.Errorf("status = %q leader %v, want running and leader (election off outside a cluster)", st.Status, st.Engine.Leader)
		}
	})

	t.Run("SIGTERM drains and exits 0 within the bound", func(t *testing.T) {
		start := time.Now()
		e.signal(syscall.SIGTERM)
		if code := e.waitExit(5 * time.Second); code != 0 {
			t.Fatalf("exit code after SIGTERM = %d, want 0", code)
		}
		t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	})
}

func createClusterVersion(t *testing.T, version string) {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(env.Config)
	res := dyn.Resource(clusterVersions)
	cv := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion",
		"metadata": map[string]any{"name": "version"},
		"spec":     map[string]any{"clusterID": "11111111-2222-3333-4444-555555555555"},
	}}
	created, err := res.Create(t.Context(), cv, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Delete(context.Background(), "version", metav1.DeleteOptions{}) })
	created.Object["status"] = map[string]any{
		"desired": map[string]any{"version": version},
		"history": []any{map[string]any{"state": "Completed", "version": version}},
	}
	if _, err := res.UpdateStatus(t.Context(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestBadConfigurationExitsTwoNamingTheProblem(t *testing.T) {
	kubeconfig, err := env.KubeconfigFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode int
		wantText []string
	}{
		{"a non-numeric PORT", []string{"KUBECONFIG=" + kubeconfig, "PORT=eighty"}, nil, 2, []string{"PORT", "1 to 65535"}},
		{"a bad LOG_LEVEL", []string{"KUBECONFIG=" + kubeconfig, "LOG_LEVEL=loud"}, nil, 2, []string{"LOG_LEVEL", "debug, info, warn, error"}},
		{"a missing KUBECONFIG file", []string{"KUBECONFIG=/nonexistent/kubeconfig"}, nil, 2, []string{"KUBECONFIG", "/nonexistent/kubeconfig"}},
		{"no cluster configured at all", nil, nil, 2, []string{"KUBECONFIG", "make run"}},
		{"--help lists the settings and exits 0", nil, []string{"--help"}, 0, []string{"SERVER_PORT", "ML_SERVICE_URL", "KSERVE_<NAME>_SERVICE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEngineArgs(t, tt.args, tt.env...)
			if code := e.waitExit(5 * time.Second); code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d; output:\n%s", code, tt.wantCode, e.stderr.String())
			}
			for _, want := range tt.wantText {
				if !strings.Contains(e.stderr.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, e.stderr.String())
				}
			}
		})
	}
}

func TestLeaderElectionTakesAndReleasesTheLease(t *testing.T) {
	ctx := t.Context()
	cs := kubernetes.NewForConfigOrDie(env.Config)
	ns := "engine-leader-test"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := env.KubeconfigFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, "KUBECONFIG="+kubeconfig, "NAMESPACE="+ns, "LEADER_ELECTION=true")
	var holder string
	eventually(t, 20*time.Second, "the engine holds the Lease and says it leads", func() error {
		lease, err := cs.CoordinationV1().Leases(ns).Get(ctx, "coordination-engine.selfhealing.dev", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
			return errors.New("lease has no holder")
		}
		holder = *lease.Spec.HolderIdentity
		var st statusResponse
		if _, err := get(ctx, e.apiURL+"/api/v1/status", &st); err != nil || !st.Engine.Leader {
			return fmt.Errorf("status leader %v err %v", st.Engine.Leader, err)
		}
		return nil
	})
	e.signal(syscall.SIGTERM)
	if code := e.waitExit(10 * time.Second); code != 0 {
		t.Fatalf("exit code = %d, want 0", code)
	}
	lease, err := cs.CoordinationV1().Leases(ns).Get(ctx, "coordination-engine.selfhealing.dev", metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	if err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity == holder {
		t.Errorf("the Lease is still held by %q after a clean stop; a new replica would wait for it to expire", holder)
	}
}
