// Package testenv starts a real kube-apiserver and etcd (controller-runtime's envtest) for tests,
// from the binaries hack/build-cluster-binaries.sh builds, with the engine's CRDs and the test
// twins of OpenShift's CRDs installed. Packages start it once in TestMain.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// DefaultK8sVersion is the Kubernetes version built and tested when K8S_VERSION is not set; it
// must match hack/build-cluster-binaries.sh.
const DefaultK8sVersion = "1.34.4"

// Env is a running API server.
type Env struct {
	env *envtest.Environment
	// Config is an admin (system:masters) client configuration.
	Config *rest.Config
}

// RepoRoot is the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// K8sVersion is the Kubernetes version under test: K8S_VERSION, else DefaultK8sVersion.
func K8sVersion() string {
	if v := os.Getenv("K8S_VERSION"); v != "" {
		return v
	}
	return DefaultK8sVersion
}

// AssetsDir finds kube-apiserver and etcd: KUBEBUILDER_ASSETS, else bin/k8s/v<K8sVersion>. It
// fails with what to run when they are missing.
func AssetsDir() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "bin", "k8s", "v"+K8sVersion())
	}
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("%s not found in %s: run `make cluster-binaries` (hack/build-cluster-binaries.sh) first", b, dir)
		}
	}
	return dir, nil
}

// Start starts an API server with the CRDs of config/crd/bases (when present) and
// internal/testenv/crds installed.
func Start() (*Env, error) { return StartWith() }

// StartWith is Start with the CRDs of extraCRDDirs (a package's testdata/crds) installed too.
func StartWith(extraCRDDirs ...string) (*Env, error) {
	assets, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	paths := append([]string{filepath.Join(RepoRoot(), "internal", "testenv", "crds")}, extraCRDDirs...)
	if _, err := os.Stat(filepath.Join(RepoRoot(), "config", "crd", "bases")); err == nil {
		paths = append(paths, filepath.Join(RepoRoot(), "config", "crd", "bases"))
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     paths,
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest: %w", err)
	}
	return &Env{env: env, Config: cfg}, nil
}

// Stop stops the API server and etcd and removes their data.
func (e *Env) Stop() error { return e.env.Stop() }

// AddUser creates a client identity (no groups beyond system:authenticated) and returns its
// configuration, for tests of what a restricted identity may do.
func (e *Env) AddUser(name string) (*rest.Config, error) {
	u, err := e.env.AddUser(envtest.User{Name: name}, nil)
	if err != nil {
		return nil, fmt.Errorf("add user %s: %w", name, err)
	}
	return u.Config(), nil
}

// KubeconfigFile writes a kubeconfig for the admin identity into dir and returns its path.
func (e *Env) KubeconfigFile(dir string) (string, error) {
	u, err := e.env.ControlPlane.AddUser(envtest.User{Name: "test-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("add admin user: %w", err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("render kubeconfig: %w", err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}

// Main starts the API server, runs the package's tests, stops it and returns the exit code:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }
func Main(m *testing.M, env **Env) int { return MainWith(m, env) }

// MainWith is Main with the CRDs of extraCRDDirs installed too:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.MainWith(m, &env, filepath.Join("testdata", "crds"))) }
func MainWith(m *testing.M, env **Env, extraCRDDirs ...string) int {
	// Engines under test log through their own loggers. What logs through controller-runtime's
	// global one (envtest, the tests' clients) is dropped, rather than it printing a goroutine
	// dump ("log.SetLogger(...) was never called") into the test output.
	ctrllog.SetLogger(logr.Discard())
	e, err := StartWith(extraCRDDirs...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		fmt.Fprintln(os.Stderr, "testenv: stop:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
