package gitrepo_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the package when goroutines started by the tests outlive them.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if err := goroutinesBack(before, 5*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func goroutinesBack(want int, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			return fmt.Errorf("goroutines left after the tests: %d, want %d\n%s", runtime.NumGoroutine(), want, strings.TrimSpace(string(buf[:n])))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}
