package platform

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

func newTestDiscoverer(t *testing.T) (*Discoverer, dynamic.Interface) {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	return NewDiscoverer(dc, dyn, logr.Discard()), dyn
}

// clusterVersion builds the ClusterVersion "version" with the given history (newest first) and
// Progressing status.
func clusterVersion(desired string, progressing bool, history ...[2]string) *unstructured.Unstructured {
	var h []any
	for _, e := range history {
		h = append(h, map[string]any{"state": e[0], "version": e[1]})
	}
	prog := "False"
	if progressing {
		prog = "True"
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion",
		"metadata": map[string]any{"name": "version"},
		"spec":     map[string]any{"clusterID": "00000000-0000-0000-0000-000000000000"},
		"status": map[string]any{
			"desired":    map[string]any{"version": desired},
			"history":    h,
			"conditions": []any{map[string]any{"type": "Progressing", "status": prog}},
		},
	}}
}

func TestDiscoverOnPlainKubernetes(t *testing.T) {
	d, _ := newTestDiscoverer(t)
	info, err := d.Discover(t.Context())
	if err != nil {
		t.Fatalf("Discover() error = %v", err)
	}
	if info.Platform != Kubernetes || info.OpenShiftVersion != "" {
		t.Errorf("Discover() platform = %q %q, want kubernetes without OpenShift version", info.Platform, info.OpenShiftVersion)
	}
	if want := "v" + strings.Join(strings.Split(testenv.K8sVersion(), ".")[:2], "."); !strings.HasPrefix(info.KubernetesVersion, want) {
		t.Errorf("KubernetesVersion = %q, want prefix %q", info.KubernetesVersion, want)
	}
	if !info.Supported {
		t.Errorf("Supported = false (%s), want true", info.SupportMessage)
	}
	// The test CRDs serve ClusterOperators but nothing serves Argo CD Applications.
	if !info.APIs["clusteroperators"] || info.APIs["argocd_applications"] {
		t.Errorf("APIs = %v, want clusteroperators served and argocd_applications not", info.APIs)
	}
	if got, ok, err := d.Current(); !ok || err != nil || got.KubernetesVersion != info.KubernetesVersion {
		t.Errorf("Current() = %v %v %v, want the discovered info", got, ok, err)
	}
}

func TestDiscoverOpenShiftFromClusterVersion(t *testing.T) {
	tests := []struct {
		name          string
		cv            *unstructured.Unstructured
		wantVersion   string
		wantDesired   string
		wantUpgrading bool
		wantSupported bool
	}{
		{"a completed 4.19 install is OpenShift 4.19",
			clusterVersion("4.19.7", false, [2]string{"Completed", "4.19.7"}), "4.19.7", "", false, true},
		{"an update in progress keeps the completed version and names the desired one",
			clusterVersion("4.20.1", true, [2]string{"Partial", "4.20.1"}, [2]string{"Completed", "4.19.7"}), "4.19.7", "4.20.1", true, true},
		{"a first install without history uses the desired version",
			clusterVersion("4.21.0", true), "4.21.0", "", true, true},
		{"4.17 runs but is outside the tested window",
			clusterVersion("4.17.3", false, [2]string{"Completed", "4.17.3"}), "4.17.3", "", false, false},
	}
	d, dyn := newTestDiscoverer(t)
	res := dyn.Resource(clusterVersions)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created, err := res.Create(t.Context(), tt.cv, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create clusterversion: %v", err)
			}
			// t.Context() is already cancelled when cleanups run.
			t.Cleanup(func() { _ = res.Delete(context.Background(), "version", metav1.DeleteOptions{}) })
			tt.cv.SetResourceVersion(created.GetResourceVersion())
			if _, err := res.UpdateStatus(t.Context(), tt.cv, metav1.UpdateOptions{}); err != nil {
				t.Fatalf("update clusterversion status: %v", err)
			}
			info, err := d.Discover(t.Context())
			if err != nil {
				t.Fatalf("Discover() error = %v", err)
			}
			if info.Platform != OpenShift || info.OpenShiftVersion != tt.wantVersion || info.OpenShiftDesiredVersion != tt.wantDesired ||
				info.Upgrading != tt.wantUpgrading || info.Supported != tt.wantSupported {
				t.Errorf("Discover() = platform %q version %q desired %q upgrading %v supported %v (%s), want openshift %q %q %v %v",
					info.Platform, info.OpenShiftVersion, info.OpenShiftDesiredVersion, info.Upgrading, info.Supported, info.SupportMessage,
					tt.wantVersion, tt.wantDesired, tt.wantUpgrading, tt.wantSupported)
			}
		})
	}
}

func TestDiscoverFailureKeepsLastResult(t *testing.T) {
	d, _ := newTestDiscoverer(t)
	first, err := d.Discover(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cfg := *env.Config
	cfg.Host = "https://127.0.0.1:1"
	broken, err := discovery.NewDiscoveryClientForConfig(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.discovery = broken
	if _, err := d.Discover(t.Context()); err == nil {
		t.Fatal("Discover() against a dead API server succeeded")
	}
	got, ok, lastErr := d.Current()
	if !ok || lastErr == nil || got.KubernetesVersion != first.KubernetesVersion {
		t.Errorf("Current() after failure = %v %v %v, want the earlier result and the error", got.KubernetesVersion, ok, lastErr)
	}
}
