// Command storm drives and measures the engine's scale scenarios on the local cluster
// (hack/bench/storm.sh, hack/bench/scale.sh). Everything it talks to is on this machine, and every
// load it makes is bounded in count and time.
//
//	storm setup --prefix storm- --namespaces 10 --deployments 100 --replicas 10
//	    creates namespaces <prefix>0..N-1 and the Deployments (pods on the fake kwok nodes), and
//	    waits until every pod is Running and Ready.
//	storm run --engine-url http://127.0.0.1:18580 --engine-pid PID ...
//	    the storm: labels every pod of those Deployments kwok.selfhealing.dev/fault=crashloop at
//	    once (T0), then reads only the engine's REST API and /proc/PID to measure detection,
//	    actions against the safety budgets, time until the storm is handled, CPU and RSS. It
//	    fails (exit 1) when the storm incidents are not exactly one per Deployment, when more
//	    actions were applied than the cluster budget allows, or when the deadline passes first.
//	storm idle --engine-url ... --engine-pid PID [--pods 10000]
//	    an engine just started: time to /readyz and (with --pods) until the watchers' Pod gauge
//	    reaches --pods, then RSS and CPU sampled over --duration with nothing happening.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "setup":
		err = setup(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	case "idle":
		err = idle(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "storm:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./hack/bench/storm setup|run|idle [flags]   (-h after the command lists its flags)")
	os.Exit(2)
}

// kubeClient builds a clientset from a kubeconfig file (empty: KUBECONFIG) that may send qps
// requests a second; the local cluster's API server must be on this machine.
func kubeClient(kubeconfig string, qps float32) (*kubernetes.Clientset, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	if err := loopback(cfg.Host); err != nil {
		return nil, fmt.Errorf("API server: %w", err)
	}
	cfg.QPS, cfg.Burst = qps, int(qps)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	return kubernetes.NewForConfig(cfg)
}

// loopback refuses URLs that do not point at this machine.
func loopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s must be on this machine (127.0.0.1, ::1 or localhost)", raw)
	}
	return nil
}

// namespaces returns prefix0 .. prefix(n-1).
func namespaces(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

// engine is the engine's REST API on this machine.
type engine struct {
	base   string
	client *http.Client
}

func newEngine(base string) (*engine, error) {
	if err := loopback(base); err != nil {
		return nil, fmt.Errorf("--engine-url: %w", err)
	}
	return &engine{base: strings.TrimSuffix(base, "/"),
		client: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}, nil
}

// get decodes the JSON answer of GET path into into (nil: discard) and returns the status code.
func (e *engine) get(ctx context.Context, path string, into any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if into == nil || resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(into)
}

// metrics reads /metrics into "name{labels}" -> value (samples without labels: "name").
func (e *engine) metrics(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// sumMetric adds up every sample of the metric family name.
func sumMetric(m map[string]float64, name string) float64 {
	var s float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}

// procStat is what /proc/<pid> says about a process.
type procStat struct {
	cpu     time.Duration // user + system
	started time.Time     // process start
	rss     int64         // bytes
	hwm     int64         // peak RSS, bytes
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func readProc(pid int) (procStat, error) {
	var st procStat
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// The command name may hold spaces; the fields after it start at the last ')'.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 20 {
		return st, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	// f[0] is field 3 (state): utime is field 14, stime 15, starttime 22.
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	start, _ := strconv.ParseInt(f[19], 10, 64)
	st.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return st, err
	}
	var uptime float64
	if _, err := fmt.Sscan(string(up), &uptime); err != nil {
		return st, err
	}
	st.started = time.Now().Add(-time.Duration((uptime - float64(start)/clockTicks) * float64(time.Second)))
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if k == "VmRSS" {
			st.rss = kb << 10
		} else {
			st.hwm = kb << 10
		}
	}
	return st, nil
}

func loadavg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// pct returns the q-quantile (nearest rank) of sorted durations.
func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// dist summarises durations as p50/p99/max, in seconds.
func dist(d []time.Duration) string {
	if len(d) == 0 {
		return "n/a (none)"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return fmt.Sprintf("p50 %s, p99 %s, max %s (n=%d)", secs(pct(s, 0.5)), secs(pct(s, 0.99)), secs(s[len(s)-1]), len(s))
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
