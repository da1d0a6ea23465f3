package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

// engine is one engine process under test.
type engine struct {
	t          *testing.T
	cmd        *exec.Cmd
	apiURL     string
	metricsURL string
	stderr     *testenv.SyncBuffer
	done       chan struct{}
	exitCode   int
	startedAt  time.Time
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startEngine runs the engine binary with a clean environment plus env. It is killed at the end
// of the test if still running. Its cluster watchers are off unless env turns them on
// (WATCH_ENABLED=true): the tests share one cluster, and an engine watching it all would act on
// the other tests' workloads.
func startEngine(t *testing.T, env ...string) *engine {
	t.Helper()
	return startEngineArgs(t, nil, env...)
}

// startEngineArgs is startEngine with command-line arguments.
func startEngineArgs(t *testing.T, args []string, env ...string) *engine {
	t.Helper()
	apiPort, metricsPort := freePort(t), freePort(t)
	e := &engine{t: t, stderr: &testenv.SyncBuffer{}, done: make(chan struct{}),
		apiURL:     "http://127.0.0.1:" + strconv.Itoa(apiPort),
		metricsURL: "http://127.0.0.1:" + strconv.Itoa(metricsPort)}
	e.cmd = exec.Command(engineBin, args...)
	e.cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"),
		"PORT=" + strconv.Itoa(apiPort), "METRICS_PORT=" + strconv.Itoa(metricsPort), "BIND_ADDRESS=127.0.0.1", "LOG_LEVEL=debug", "WATCH_ENABLED=false"}, env...)
	e.cmd.Stdout, e.cmd.Stderr = e.stderr, e.stderr
	e.startedAt = time.Now()
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = e.cmd.Wait()
		e.exitCode = e.cmd.ProcessState.ExitCode()
		close(e.done)
	}()
	t.Cleanup(func() {
		select {
		case <-e.done:
		default:
			_ = e.cmd.Process.Kill()
			<-e.done
		}
		if t.Failed() {
			t.Logf("engine output:\n%s", e.stderr.String())
		}
	})
	return e
}

// waitExit waits for the process to end and returns its exit code.
func (e *engine) waitExit(within time.Duration) int {
	e.t.Helper()
	select {
	case <-e.done:
		return e.exitCode
	case <-time.After(within):
		e.t.Fatalf("engine still running after %v; output:\n%s", within, e.stderr.String())
		return -1
	}
}

func (e *engine) signal(sig syscall.Signal) {
	e.t.Helper()
	if err := e.cmd.Process.Signal(sig); err != nil {
		e.t.Fatal(err)
	}
}

// get fetches url and decodes a JSON body into v (when v is not nil); it returns the status.
func get(ctx context.Context, url string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %w (body %q)", url, err, body)
		}
	}
	return resp.StatusCode, nil
}

func getText(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// eventually polls cond every 50 ms until it returns nil or within elapses.
func eventually(t *testing.T, within time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
