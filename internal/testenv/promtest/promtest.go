// Package promtest is test-only: it starts a real Prometheus on 127.0.0.1 with series loaded from
// OpenMetrics text, for tests that check PromQL against a real query engine.
package promtest

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

const (
	// readyTimeout is how long Start waits for /-/ready.
	readyTimeout = 30 * time.Second
	// stopTimeout is how long cleanup waits after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
	// startAttempts is how many free ports Start tries when the chosen one was taken meanwhile.
	startAttempts = 5
)

// Server is a running Prometheus.
type Server struct {
	// URL is the HTTP address, http://127.0.0.1:<port>.
	URL string
}

// Start loads the OpenMetrics text (which must end with "# EOF") into a fresh TSDB in t.TempDir()
// with promtool, starts prometheus on a free 127.0.0.1 port with that storage and no scrape jobs,
// and waits until /-/ready; the series are queryable when it returns. t.Cleanup stops the process
// (its whole process group) and waits for it. Without the binaries it skips the test, or fails it
// when PROMETHEUS_REQUIRED=1.
func Start(t testing.TB, openMetrics string) *Server {
	t.Helper()
	promBin, err1 := exec.LookPath("prometheus")
	toolBin, err2 := exec.LookPath("promtool")
	if err := errors.Join(err1, err2); err != nil {
		msg := fmt.Sprintf("promtest: prometheus and promtool are needed (Debian package prometheus: apt-get install prometheus): %v", err)
		if os.Getenv("PROMETHEUS_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if !strings.HasSuffix(strings.TrimRight(openMetrics, "\n"), "# EOF") {
		t.Fatal(`promtest: the OpenMetrics text must end with "# EOF"`)
	}

	dir := t.TempDir()
	input := filepath.Join(dir, "series.om")
	dataDir := filepath.Join(dir, "data")
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(input, []byte(openMetrics), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, []byte("# No scrape jobs: the TSDB holds only the loaded series.\nglobal: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(toolBin, "tsdb", "create-blocks-from", "openmetrics", input, dataDir).CombinedOutput(); err != nil {
		t.Fatalf("promtest: promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}

	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		p := &process{}
		err := p.start(t, addr, promBin,
			"--config.file="+config,
			"--storage.tsdb.path="+dataDir,
			"--web.listen-address="+addr,
			// Time retention counts back from the newest block, not from now: the default 15d
			// would delete the older blocks of test data spanning more than 15 days.
			"--storage.tsdb.retention.time=100y",
		)
		if err == nil {
			return &Server{URL: "http://" + addr}
		}
		if errors.Is(err, errPortTaken) && attempt < startAttempts {
			continue
		}
		t.Fatalf("promtest: %v\nprometheus output:\n%s", err, p.out.String())
	}
}

var errPortTaken = errors.New("listen address already in use")

// process is one prometheus process.
type process struct {
	cmd  *exec.Cmd
	out  testenv.SyncBuffer
	done chan struct{} // closed once the process was waited for
	stop sync.Once
}

// start runs prometheus, registers its stop with t.Cleanup, and waits until it is ready.
func (p *process) start(t testing.TB, addr, bin string, args ...string) error {
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout = &p.out
	p.cmd.Stderr = &p.out
	// Its own process group, killed as a whole; and killed if the test binary dies first.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("starting prometheus: %w", err)
	}
	p.done = make(chan struct{})
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.terminate)

	url := "http://" + addr + "/-/ready"
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-p.done:
			if strings.Contains(p.out.String(), "address already in use") {
				return errPortTaken
			}
			return fmt.Errorf("prometheus exited before it was ready: %v", p.cmd.ProcessState)
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			p.terminate()
			return fmt.Errorf("prometheus was not ready within %v", readyTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// terminate stops the process group, SIGTERM then SIGKILL, and waits for the process.
func (p *process) terminate() {
	p.stop.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		pgid := p.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
	})
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// Series is one gauge series for OpenMetrics: Values[i] is at Start + i*Step; NaN values are
// left out (a gap).
type Series struct {
	Name   string
	Labels map[string]string
	Start  time.Time
	Step   time.Duration
	Values []float64
}

// OpenMetrics renders the series as OpenMetrics text for Start: "# TYPE <name> gauge" once per
// metric name, all series of one name together (in the order the names first appear), labels
// sorted and escaped, timestamps in seconds with millisecond precision, ending with "# EOF".
func OpenMetrics(series ...Series) string {
	var names []string
	byName := map[string][]Series{}
	for _, s := range series {
		if _, ok := byName[s.Name]; !ok {
			names = append(names, s.Name)
		}
		byName[s.Name] = append(byName[s.Name], s)
	}
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "# TYPE %s gauge\n", name)
		for _, s := range byName[name] {
			prefix := name + labels(s.Labels) + " "
			for i, v := range s.Values {
				if math.IsNaN(v) {
					continue
				}
				ms := s.Start.Add(time.Duration(i) * s.Step).UnixMilli()
				b.WriteString(prefix)
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
				b.WriteByte(' ')
				b.WriteString(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
				b.WriteByte('\n')
			}
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// labels renders {a="1",b="2"}, sorted by name, or "" for none.
func labels(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	escape := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(escape.Replace(m[k]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
