package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"time"
)

// idle measures an engine that was just started: process start to /readyz, to the watchers'
// caches synced (the Pod gauge reaching --pods; it is first set right after the informers sync),
// then RSS and CPU over --duration with nothing happening in the cluster.
func idle(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	engineURL := fs.String("engine-url", "http://127.0.0.1:18680", "the engine's API port (loopback only)")
	enginePID := fs.Int("engine-pid", 0, "pid of the engine process")
	pods := fs.Int("pods", 0, "wait until coordination_engine_watched_objects{kind=\"Pod\"} reaches this many; 0: the watchers are off, wait for /readyz only")
	settle := fs.Duration("settle", 10*time.Second, "wait this long after synced before sampling")
	duration := fs.Duration("duration", 60*time.Second, "sample RSS and CPU this long (1s..10m)")
	interval := fs.Duration("interval", time.Second, "RSS sampling interval")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up when the engine is not ready or synced by then")
	label := fs.String("label", "", "a name for this run in the output")
	_ = fs.Parse(args)
	switch {
	case *enginePID <= 0:
		return errors.New("--engine-pid is required")
	case *duration < time.Second || *duration > 10*time.Minute || *interval < 100*time.Millisecond || *interval > *duration:
		return errors.New("--duration must be 1s..10m and --interval 100ms..duration")
	case *settle < 0 || *settle > 10*time.Minute || *timeout < time.Second || *timeout > time.Hour:
		return errors.New("--settle must be 0..10m and --timeout 1s..1h")
	}
	eng, err := newEngine(*engineURL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout+*settle+*duration+time.Minute)
	defer cancel()
	p, err := readProc(*enginePID)
	if err != nil {
		return fmt.Errorf("--engine-pid %d: %w", *enginePID, err)
	}
	started := p.started
	give := time.Now().Add(*timeout)
	var ready, synced time.Time
	for ready.IsZero() {
		if code, err := eng.get(ctx, "/readyz", nil); err == nil && code == http.StatusOK {
			ready = time.Now()
			break
		}
		if time.Now().After(give) {
			return fmt.Errorf("the engine did not answer /readyz 200 within %s", *timeout)
		}
		if _, err := readProc(*enginePID); err != nil {
			return fmt.Errorf("the engine (pid %d) is gone: %w", *enginePID, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	gauge := `coordination_engine_watched_objects{kind="Pod"}`
	if *pods > 0 {
		last := -1.0
		for {
			m, err := eng.metrics(ctx)
			if v, ok := m[gauge]; err == nil && ok {
				if v != last {
					fmt.Fprintf(os.Stderr, "idle: %s = %.0f at +%s\n", gauge, v, secs(time.Since(started)))
					last = v
				}
				if v >= float64(*pods) {
					synced = time.Now()
					break
				}
			}
			if time.Now().After(give) {
				return fmt.Errorf("%s is %.0f, not %d, %s after the engine started", gauge, last, *pods, *timeout)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	time.Sleep(*settle)
	p0, err := readProc(*enginePID)
	if err != nil {
		return err
	}
	t0 := time.Now()
	minRSS, maxRSS, sumRSS, n := p0.rss, p0.rss, int64(0), int64(0)
	for time.Since(t0) < *duration {
		time.Sleep(*interval)
		st, err := readProc(*enginePID)
		if err != nil {
			return fmt.Errorf("the engine (pid %d) is gone: %w", *enginePID, err)
		}
		minRSS, maxRSS = min(minRSS, st.rss), max(maxRSS, st.rss)
		sumRSS += st.rss
		n++
	}
	p1, err := readProc(*enginePID)
	if err != nil {
		return err
	}
	window := time.Since(t0)
	m, err := eng.metrics(ctx)
	if err != nil {
		return err
	}
	cpu := p1.cpu - p0.cpu
	fmt.Printf("==================== idle: %s ====================\n", *label)
	fmt.Printf("machine            : %d cores; load average %s\n", runtime.NumCPU(), loadavg())
	fmt.Printf("start -> /readyz   : %s\n", secs(ready.Sub(started)))
	if *pods > 0 {
		fmt.Printf("start -> synced    : %s (%s reached %d)\n", secs(synced.Sub(started)), gauge, *pods)
	} else {
		fmt.Printf("start -> synced    : n/a (watchers off)\n")
	}
	if _, ok := m[gauge]; ok {
		fmt.Printf("watched objects    : Pod %.0f, Node %.0f, Deployment %.0f\n", m[gauge],
			m[`coordination_engine_watched_objects{kind="Node"}`], m[`coordination_engine_watched_objects{kind="Deployment"}`])
	} else {
		fmt.Printf("watched objects    : none (no watchers)\n")
	}
	fmt.Printf("CPU during start   : %.2f s (process start until the idle window)\n", p0.cpu.Seconds())
	fmt.Printf("idle window        : %s, %s after %s\n", secs(window), *settle, map[bool]string{true: "synced", false: "/readyz"}[*pods > 0])
	fmt.Printf("idle CPU           : %.2f s = %.2f %% of one core on average\n", cpu.Seconds(), 100*cpu.Seconds()/window.Seconds())
	fmt.Printf("idle RSS           : avg %s, min %s, max %s, end %s; VmHWM (peak since start) %s\n",
		mib(sumRSS/max(n, 1)), mib(minRSS), mib(maxRSS), mib(p1.rss), mib(p1.hwm))
	var incs incidentPage
	if code, err := eng.get(ctx, "/api/v1/incidents?status=all&severity=all&limit=1000&offset=0", &incs); err == nil && code == http.StatusOK {
		kinds := map[string]int{}
		for _, i := range incs.Incidents {
			kinds[i.ActionType]++
		}
		fmt.Printf("incidents          : %d at the end (by type %v); none expected in an idle cluster\n", incs.Metadata.Total, kinds)
	}
	fmt.Printf("Go heap in use     : %s; goroutines %.0f\n", mib(int64(m["go_memstats_heap_inuse_bytes"])), m["go_goroutines"])
	return nil
}
