package argocd_test

import (
	"os"
	"path/filepath"
	"testing"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

// env is the API server of this package's tests, with Argo CD's Application and AppProject CRDs
// (testdata/crds) installed; no Argo CD controller runs: tests play its part by writing status.
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.MainWith(m, &env, filepath.Join("testdata", "crds"))) }
