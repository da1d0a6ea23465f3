package anomaly

import (
	"os"
	"testing"

	"selfhealing.dev/coordination-engine/internal/testenv/leakcheck"
)

func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }
