package chart

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/engine"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

// tokenConfig is a client configuration of the API server that authenticates with token only.
func tokenConfig(token string) *rest.Config {
	return &rest.Config{Host: env.Config.Host, BearerToken: token, QPS: 500, Burst: 1000,
		TLSClientConfig: rest.TLSClientConfig{CAData: env.Config.CAData}}
}

// runningEngine is the engine running in-process.
type runningEngine struct {
	url, metricsURL string
	token           string // sent as the bearer token
	log             *testenv.SyncBuffer
}

// startEngine runs engine.Run in-process with the environment of the rendered Deployment (the
// downward API's NAMESPACE filled in) and the kubeconfig, listening on 127.0.0.1 with free ports,
// until the test ends; it waits for /readyz.
func startEngine(t *testing.T, d *appsv1.Deployment, kubeconfig string) *runningEngine {
	t.Helper()
	environ := []string{"KUBECONFIG=" + kubeconfig}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace" {
			v = d.Namespace
		}
		environ = append(environ, e.Name+"="+v)
	}
	opts, err := config.Load(nil, environ)
	if err != nil {
		t.Fatalf("the engine refuses the chart's environment: %v", err)
	}
	// A test's servers listen on 127.0.0.1; the Git work directory is the test's, not /tmp.
	opts.APIPort, opts.MetricsPort, opts.BindAddress, opts.GitWorkDir = 0, 0, "127.0.0.1", t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan [2]string, 1)
	logs := &testenv.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- engine.Run(ctx, opts, engine.Params{Version: "chart-test", Log: engine.NewLogger(opts.LogLevel, logs),
			Ready: func(api, metrics string) { addrs <- [2]string{api, metrics} }})
	}()
	e := &runningEngine{log: logs}
	select {
	case a := <-addrs:
		e.url, e.metricsURL = "http://"+a[0], "http://"+a[1]
	case err := <-done:
		cancel()
		t.Fatalf("engine stopped: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("engine stopped with %v", err)
		}
		if t.Failed() || os.Getenv("CHART_TEST_ENGINE_LOG") == "1" {
			t.Logf("engine log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := e.do(t, http.MethodGet, "/readyz", "", nil); code == http.StatusOK {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine not ready within 30s\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// do sends a request (a JSON body unless body is "", the engine's bearer token when set) and
// decodes a JSON answer into out when out is not nil; it returns the status and the body.
func (e *runningEngine) do(t *testing.T, method, path, body string, out any) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode: %v\n%s", method, path, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

// scrapeNames returns the metric family names the engine's metrics port serves.
func (e *runningEngine) scrapeNames(t *testing.T) map[string]bool {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.metricsURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics on the metrics port = %d, %v", resp.StatusCode, err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, kind, _ := strings.Cut(rest, " ")
			names[name] = true
			if kind == "histogram" {
				for _, s := range []string{"_bucket", "_sum", "_count"} {
					names[name+s] = true
				}
			}
		}
	}
	return names
}

// playDeployments keeps the Deployments of namespace reporting a finished, healthy rollout,
// as kube-controller-manager would (envtest runs none), until the test ends.
func playDeployments(t *testing.T, admin kubernetes.Interface, namespace string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if list, err := admin.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{}); err == nil {
				for i := range list.Items {
					d := &list.Items[i]
					n := *d.Spec.Replicas
					st := appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
					if !equality.Semantic.DeepEqual(d.Status, st) {
						d.Status = st
						_, _ = admin.AppsV1().Deployments(namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
					}
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// webDeployment is a hand-deployed Deployment the engine may restart.
func webDeployment(namespace string) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "web", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/web:1.0"}}},
			},
		},
	}
}
