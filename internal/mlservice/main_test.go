package mlservice

import (
	"os"
	"testing"

	"selfhealing.dev/coordination-engine/internal/testenv/leakcheck"
)

// TestMain fails the package when a client or test server leaves a goroutine behind.
func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }
