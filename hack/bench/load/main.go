// Command load sends a bounded number of HTTP requests with a fixed concurrency to one URL on
// this machine and prints throughput, latency percentiles and status codes. It stops after
// -requests or -max-duration, whichever comes first, and refuses non-loopback targets.
//
//	go run ./hack/bench/load -url http://127.0.0.1:8080/api/v1/incidents -method POST \
//	    -body '{"title":"Load test incident","description":"created by hack/bench/load","severity":"low"}' \
//	    -requests 10000 -concurrency 32
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	latency time.Duration
	code    int
	err     bool
}

func main() {
	target := flag.String("url", "", "URL to load (loopback only)")
	method := flag.String("method", http.MethodGet, "HTTP method")
	body := flag.String("body", "", "request body; {n} is replaced by the request's number")
	requests := flag.Int("requests", 1000, "requests to send (1..1000000)")
	concurrency := flag.Int("concurrency", 16, "requests in flight (1..512)")
	maxDuration := flag.Duration("max-duration", 2*time.Minute, "stop after this long whatever is left")
	flag.Parse()
	if err := check(*target, *requests, *concurrency); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *maxDuration)
	defer cancel()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency, DisableCompression: true}}

	results := make([]result, 0, *requests)
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *concurrency {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > int64(*requests) || ctx.Err() != nil {
					return
				}
				r := once(ctx, client, *method, *target, strings.ReplaceAll(*body, "{n}", fmt.Sprint(n)))
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	report(results, time.Since(start))
}

func check(target string, requests, concurrency int) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q is not an absolute URL", target)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-url must point at this machine (127.0.0.1, ::1 or localhost), not %s", u.Hostname())
	}
	if requests < 1 || requests > 1_000_000 || concurrency < 1 || concurrency > 512 {
		return fmt.Errorf("-requests must be 1..1000000 and -concurrency 1..512")
	}
	return nil
}

func once(ctx context.Context, client *http.Client, method, target, body string) result {
	var r io.Reader
	if body != "" {
		r = bytes.NewBufferString(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return result{err: true}
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	t := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return result{latency: time.Since(t), err: true}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return result{latency: time.Since(t), code: resp.StatusCode}
}

func report(results []result, elapsed time.Duration) {
	if len(results) == 0 {
		fmt.Println("no requests completed")
		return
	}
	lat := make([]time.Duration, 0, len(results))
	codes := map[int]int{}
	errs := 0
	for _, r := range results {
		if r.err {
			errs++
			continue
		}
		lat = append(lat, r.latency)
		codes[r.code]++
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(q*float64(len(lat))))].Round(10 * time.Microsecond)
	}
	fmt.Printf("requests %d in %v: %.0f req/s; latency p50 %v p90 %v p99 %v max %v; codes %v; transport errors %d\n",
		len(results), elapsed.Round(time.Millisecond), float64(len(results))/elapsed.Seconds(),
		p(0.5), p(0.9), p(0.99), p(1), codes, errs)
}
