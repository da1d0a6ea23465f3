package promtest_test

import (
	"os"
	"testing"

	"selfhealing.dev/coordination-engine/internal/testenv/leakcheck"
)

// TestMain fails the package when goroutines started by the tests outlive them.
func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }
