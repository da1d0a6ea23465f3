package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

// TestMain starts the API server with Argo CD's and Flux's CRDs besides the engine's, so the
// GitOps strategies are tested against the real schemas.
func TestMain(m *testing.M) {
	root := testenv.RepoRoot()
	os.Exit(testenv.MainWith(m, &env, filepath.Join(root, "internal", "remediation", "argocd", "testdata", "crds"),
		filepath.Join(root, "internal", "remediation", "flux", "testdata", "crds")))
}

// testEngine is an engine running in-process against envtest, in a namespace of its own.
type testEngine struct {
	t         testing.TB
	url       string
	namespace string
}

// startEngine runs engine.Run with a fresh namespace until the test ends, and waits for /readyz.
func startEngine(t testing.TB, mutate ...func(*config.Options)) *testEngine {
	t.Helper()
	ns := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(ns) > 50 {
		ns = ns[:50]
	}
	ns = strings.Trim(ns, "-") + "-" + fmt.Sprint(time.Now().UnixNano()%100000)
	cs := kubernetes.NewForConfigOrDie(env.Config)
	if _, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The watchers see every namespace of the shared API server; tests that want them turn them on.
	opts, err := config.Load(nil, []string{"NAMESPACE=" + ns, "LEADER_ELECTION=false", "WATCH_ENABLED=false"})
	if err != nil {
		t.Fatal(err)
	}
	opts.APIPort, opts.MetricsPort, opts.BindAddress = 0, 0, "127.0.0.1"
	for _, m := range mutate {
		m(&opts)
	}
	opts.Kubeconfig = chartIdentity(t, ns, opts) // the engine runs with the chart's RBAC, nothing more
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	logs := &testenv.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, opts, Params{Version: "test", Log: NewLogger(opts.LogLevel, logs), Ready: func(api, _ string) { addr <- api }})
	}()
	e := &testEngine{t: t, namespace: ns}
	select {
	case a := <-addr:
		e.url = "http://" + strings.Replace(a, "[::]", "127.0.0.1", 1)
	case err := <-done:
		t.Fatalf("engine stopped: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("engine stopped with %v", err)
		}
		if t.Failed() {
			t.Logf("engine log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _ := e.do(http.MethodGet, "/readyz", "", nil); code == http.StatusOK {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine not ready within 20s\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// do sends a request with a JSON body (none when body is "") and decodes the JSON answer into
// out when out is not nil. It returns the status and the raw body.
func (e *testEngine) do(method, path, body string, out any) (int, string) {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.url+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode >= 400 && ct != "application/json" {
		e.t.Errorf("%s %s: %d with Content-Type %q, want application/json", method, path, resp.StatusCode, ct)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %T: %v\nbody: %s", method, path, out, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

// mustDo is do that fails the test unless the status is want.
func (e *testEngine) mustDo(method, path, body string, want int, out any) string {
	e.t.Helper()
	code, raw := e.do(method, path, body, out)
	if code != want {
		e.t.Fatalf("%s %s = %d, want %d\nbody: %s", method, path, code, want, raw)
	}
	return raw
}
