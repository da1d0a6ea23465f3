// Package leakcheck is test-only: a TestMain that fails the package when goroutines started by
// its tests outlive them.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the package's tests and returns their exit code, 1 when goroutines are still left
// 5 seconds after they passed:
//
//	func TestMain(m *testing.M) { os.Exit(leakcheck.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if code == 0 {
		if err := noGoroutinesLeft(5 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	return code
}

// noGoroutinesLeft waits until main's goroutine is the only one left, besides the runtime's
// signal loop (started by the fuzzing engine).
func noGoroutinesLeft(wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		left := others()
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("goroutines left after the tests:\n%s", strings.Join(left, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func others() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "testing.(*M).Run") || strings.Contains(g, "TestMain") || strings.Contains(g, "leakcheck.Main") || strings.Contains(g, "os/signal.") {
			continue
		}
		left = append(left, g)
	}
	return left
}
