// Command startup measures the engine's start-up: from process start to the first 200 from
// GET /health, over several runs, and prints min, median, p90 and max.
//
//	go run ./hack/bench/startup --binary bin/coordination-engine --kubeconfig .local/cluster/kubeconfig --runs 20
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"time"
)

func main() {
	binary := flag.String("binary", "bin/coordination-engine", "engine binary")
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig the engine connects to")
	runs := flag.Int("runs", 20, "number of runs (1-200)")
	flag.Parse()
	if *runs < 1 || *runs > 200 {
		fmt.Fprintln(os.Stderr, "--runs must be 1..200")
		os.Exit(2)
	}
	if *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "--kubeconfig (or KUBECONFIG) is required: start a cluster with `go run ./hack/localcluster up` first")
		os.Exit(2)
	}
	var times []time.Duration
	for i := range *runs {
		d, err := once(*binary, *kubeconfig)
		if err != nil {
			fmt.Fprintf(os.Stderr, "run %d: %v\n", i+1, err)
			os.Exit(1)
		}
		times = append(times, d)
	}
	slices.Sort(times)
	pct := func(p float64) time.Duration { return times[min(len(times)-1, int(p*float64(len(times))))] }
	fmt.Printf("start to first /health 200 over %d runs: min %v  median %v  p90 %v  max %v\n",
		len(times), times[0].Round(10*time.Microsecond), pct(0.5).Round(10*time.Microsecond),
		pct(0.9).Round(10*time.Microsecond), times[len(times)-1].Round(10*time.Microsecond))
}

func once(binary, kubeconfig string) (time.Duration, error) {
	port, metrics := freePort(), freePort()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "BIND_ADDRESS=127.0.0.1", "PORT="+strconv.Itoa(port), "METRICS_PORT="+strconv.Itoa(metrics))
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/health"
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	return 0, fmt.Errorf("no /health 200 within 10s")
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
