// Package e2e tests the engine binary end to end: built once, run as a process against a real
// kube-apiserver (envtest) or the local cluster, observed only through its HTTP API, its exit code
// and the objects it leaves in the cluster.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

var (
	env       *testenv.Env
	engineBin string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "coordination-engine-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	engineBin = filepath.Join(dir, "coordination-engine")
	build := exec.Command("go", "build", "-o", engineBin, "./cmd/coordination-engine")
	build.Dir = testenv.RepoRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build engine:", err)
		return 1
	}
	code := testenv.Main(m, &env)
	stopLocalCluster() // started lazily by the tests that need it (cluster_test.go)
	return code
}
