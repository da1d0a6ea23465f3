package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The fault label kwok's crashloop stage selects (hack/kwok/pod-crashloop.yaml).
const (
	faultLabel         = "kwok.selfhealing.dev/fault"
	restartIntervalAnn = "kwok.selfhealing.dev/restart-interval"
)

// incidentItem is one entry of GET /api/v1/incidents, the fields read here.
type incidentItem struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Target        string `json:"target"`
	ActionType    string `json:"action_type"`
	Source        string `json:"source"`
	Namespace     string `json:"namespace"`
	CreatedAt     string `json:"created_at"`
	WorkflowID    string `json:"workflow_id"`
	CorrelationID string `json:"correlation_id"`
}

type incidentPage struct {
	Incidents []incidentItem `json:"incidents"`
	Metadata  struct {
		Total int `json:"total"`
	} `json:"metadata"`
}

// workflowItem is one entry of GET /api/v1/workflows, the fields read here.
type workflowItem struct {
	ID          string  `json:"id"`
	IncidentID  string  `json:"incident_id"`
	Status      string  `json:"status"`
	Reason      string  `json:"reason"`
	Message     string  `json:"message"`
	CreatedAt   string  `json:"created_at"`
	CompletedAt *string `json:"completed_at"`
	Target      struct {
		Kind      string `json:"kind"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"target"`
	Steps []struct {
		Action    string  `json:"action"`
		Status    string  `json:"status"`
		StartedAt *string `json:"started_at"`
	} `json:"steps"`
}

type workflowPage struct {
	Workflows []workflowItem `json:"workflows"`
	Total     int            `json:"total"`
}

// admitted says the safety gate admitted the workflow's action: its step was started.
func (w workflowItem) admitted() bool { return len(w.Steps) > 0 && w.Steps[0].StartedAt != nil }

// applied says the action was made: the step is running (applied, being verified) or completed.
func (w workflowItem) applied() bool {
	return w.admitted() && (w.Steps[0].Status == "running" || w.Steps[0].Status == "completed")
}

func finished(status string) bool {
	return status == "completed" || status == "failed" || status == "cancelled"
}

// budgetReason is a refusal for an exhausted safety budget.
func budgetReason(r string) bool {
	return r == "ClusterBudgetExhausted" || r == "NamespaceBudgetExhausted"
}

// listAll reads every incident and workflow, 1,000 a page.
func (e *engine) listAll(ctx context.Context) ([]incidentItem, []workflowItem, error) {
	var incs []incidentItem
	for off := 0; ; off += 1000 {
		var p incidentPage
		code, err := e.get(ctx, fmt.Sprintf("/api/v1/incidents?status=all&severity=all&limit=1000&offset=%d", off), &p)
		if err != nil || code != http.StatusOK {
			return nil, nil, fmt.Errorf("GET /api/v1/incidents: %d %v", code, err)
		}
		incs = append(incs, p.Incidents...)
		if len(p.Incidents) < 1000 || off+1000 >= p.Metadata.Total || off >= 20000 {
			break
		}
	}
	var wfs []workflowItem
	for off := 0; ; off += 1000 {
		var p workflowPage
		code, err := e.get(ctx, fmt.Sprintf("/api/v1/workflows?limit=1000&offset=%d", off), &p)
		if err != nil || code != http.StatusOK {
			return nil, nil, fmt.Errorf("GET /api/v1/workflows: %d %v", code, err)
		}
		wfs = append(wfs, p.Workflows...)
		if len(p.Workflows) < 1000 || off+1000 >= p.Total || off >= 20000 {
			break
		}
	}
	return incs, wfs, nil
}

// targetNamespace is the namespace of a "Kind/namespace/name" target.
func targetNamespace(target string) string {
	if parts := strings.Split(target, "/"); len(parts) == 3 {
		return parts[1]
	}
	return ""
}

// observation is what the storm's polls saw.
type observation struct {
	incidentSeen map[string]time.Time // incident id -> first poll that listed it
	stepSeen     map[string]time.Time // workflow id -> first poll that showed its step started
	handledSeen  time.Time            // first poll at which the storm was handled
	peakRSS      int64
	polls        int
	pollErrors   int
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the local cluster (default: KUBECONFIG)")
	engineURL := fs.String("engine-url", "http://127.0.0.1:18580", "the engine's API port (loopback only)")
	enginePID := fs.Int("engine-pid", 0, "pid of the engine process, for CPU and RSS from /proc")
	engineNS := fs.String("engine-namespace", "self-healing-platform", "the engine's NAMESPACE (only to report which safety policy applies)")
	var w workload
	w.flags(fs, "storm-", 10)
	deadline := fs.Duration("deadline", 10*time.Minute, "the storm must be handled this long after T0 (1m..30m)")
	settle := fs.Duration("settle", 10*time.Second, "let the engine settle this long before T0")
	linger := fs.Duration("linger", 30*time.Second, "keep watching this long after the storm is handled, for late incidents or actions")
	interval := fs.Duration("interval", 500*time.Millisecond, "how often the engine's API is read (100ms..10s)")
	concurrency := fs.Int("concurrency", 50, "label patches in flight (1..200)")
	restartInterval := fs.String("restart-interval", "", "also annotate the pods "+restartIntervalAnn+" (a Go duration); empty keeps kwok's 3s")
	clusterBudget := fs.Int("cluster-budget", 20, "the safety policy's clusterBudget the engine runs with (its default: 20 an hour)")
	nsBudget := fs.Int("namespace-budget", 5, "the safety policy's namespaceBudget the engine runs with (its default: 5 an hour)")
	_ = fs.Parse(args)
	switch err := w.check(); {
	case err != nil:
		return err
	case *enginePID <= 0:
		return errors.New("--engine-pid is required")
	case *deadline < time.Minute || *deadline > 30*time.Minute:
		return errors.New("--deadline must be 1m..30m")
	case *interval < 100*time.Millisecond || *interval > 10*time.Second:
		return errors.New("--interval must be 100ms..10s")
	case *concurrency < 1 || *concurrency > 200:
		return errors.New("--concurrency must be 1..200")
	case *settle < 0 || *settle > 10*time.Minute || *linger < 0 || *linger > 10*time.Minute:
		return errors.New("--settle and --linger must be 0..10m")
	}
	if *restartInterval != "" {
		if d, err := time.ParseDuration(*restartInterval); err != nil || d <= 0 {
			return errors.New("--restart-interval must be a positive Go duration")
		}
	}
	eng, err := newEngine(*engineURL)
	if err != nil {
		return err
	}
	cs, err := kubeClient(*kubeconfig, 1000)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *settle+*deadline+*linger+5*time.Minute)
	defer cancel()
	nss := namespaces(w.prefix, w.namespaces)
	inStorm := map[string]bool{}
	for _, ns := range nss {
		inStorm[ns] = true
	}
	deployments := map[string]bool{}
	w.each(func(ns, name string) { deployments["Deployment/"+ns+"/"+name] = true })

	// Preflight: the engine answers, nothing of the storm is there yet, every pod is Running.
	if code, err := eng.get(ctx, "/readyz", nil); err != nil || code != http.StatusOK {
		return fmt.Errorf("engine /readyz: %d %v", code, err)
	}
	if _, err := readProc(*enginePID); err != nil {
		return fmt.Errorf("--engine-pid %d: %w", *enginePID, err)
	}
	policy := "defaults (no ConfigMap coordination-engine-safety in " + *engineNS + ")"
	if cm, err := cs.CoreV1().ConfigMaps(*engineNS).Get(ctx, "coordination-engine-safety", metav1.GetOptions{}); err == nil {
		policy = fmt.Sprintf("ConfigMap %s/%s: %v", *engineNS, cm.Name, cm.Data)
	} else if !apierrors.IsNotFound(err) {
		return fmt.Errorf("safety ConfigMap: %w", err)
	}
	autoPolicy := "defaults (no ConfigMap coordination-engine-autoremediation)"
	if _, err := cs.CoreV1().ConfigMaps(*engineNS).Get(ctx, "coordination-engine-autoremediation", metav1.GetOptions{}); err == nil {
		autoPolicy = "ConfigMap " + *engineNS + "/coordination-engine-autoremediation"
	}
	var pods []corev1.Pod
	for _, ns := range nss {
		l, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: benchLabel})
		if err != nil {
			return fmt.Errorf("list pods in %s: %w", ns, err)
		}
		for _, p := range l.Items {
			if p.DeletionTimestamp == nil {
				pods = append(pods, p)
			}
		}
	}
	running := 0
	for i := range pods {
		if pods[i].Status.Phase == corev1.PodRunning && podReady(&pods[i]) {
			running++
		}
	}
	if len(pods) != w.pods() || running != w.pods() {
		return fmt.Errorf("want %d pods Running and Ready before the storm, found %d pods, %d Running and Ready (run setup first)", w.pods(), len(pods), running)
	}
	incs, _, err := eng.listAll(ctx)
	if err != nil {
		return err
	}
	for _, i := range incs {
		if inStorm[targetNamespace(i.Target)] || inStorm[i.Namespace] {
			return fmt.Errorf("incident %s for %s exists before the storm", i.ID, i.Target)
		}
	}
	fmt.Fprintf(os.Stderr, "storm: %d pods Running; letting the engine settle %s\n", len(pods), *settle)
	pre, err := readProc(*enginePID)
	if err != nil {
		return err
	}
	time.Sleep(*settle)

	m0, err := eng.metrics(ctx)
	if err != nil {
		return err
	}
	p0, err := readProc(*enginePID)
	if err != nil {
		return err
	}
	settleCPU := p0.cpu - pre.cpu // the idle engine's CPU while settling, for comparison
	load0 := loadavg()

	// T0: every pod is labelled at once, with bounded concurrency.
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:"crashloop"}}}`, faultLabel)
	if *restartInterval != "" {
		patch = fmt.Sprintf(`{"metadata":{"labels":{%q:"crashloop"},"annotations":{%q:%q}}}`, faultLabel, restartIntervalAnn, *restartInterval)
	}
	t0 := time.Now()
	var patchErrs atomic.Int64
	var firstErr atomic.Value
	sem := make(chan struct{}, *concurrency)
	var wg sync.WaitGroup
	for i := range pods {
		p := &pods[i]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := cs.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
			if err != nil {
				patchErrs.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
		})
	}
	wg.Wait()
	labelled := time.Since(t0)
	fmt.Fprintf(os.Stderr, "storm: T0 %s; %d pods labelled %s=crashloop in %s (%d errors)\n",
		t0.Format(time.RFC3339Nano), len(pods), faultLabel, labelled.Round(time.Millisecond), patchErrs.Load())
	if n := patchErrs.Load(); n > 0 {
		return fmt.Errorf("%d label patches failed, the first: %v", n, firstErr.Load())
	}

	// Watch the engine's API until the storm is handled (or the deadline), then linger.
	obs := observation{incidentSeen: map[string]time.Time{}, stepSeen: map[string]time.Time{}, peakRSS: p0.rss}
	var lastIncs []incidentItem
	var lastWfs []workflowItem
	var cpuHandled time.Duration
	stopAt := t0.Add(*deadline)
	lastProgress := time.Time{}
	for {
		now := time.Now()
		if st, err := readProc(*enginePID); err == nil {
			obs.peakRSS = max(obs.peakRSS, st.rss)
			if obs.handledSeen.IsZero() {
				cpuHandled = st.cpu - p0.cpu
			}
		} else {
			return fmt.Errorf("the engine (pid %d) is gone: %w", *enginePID, err)
		}
		incs, wfs, err := eng.listAll(ctx)
		obs.polls++
		if err != nil {
			obs.pollErrors++
		} else {
			lastIncs, lastWfs = incs, wfs
			for _, i := range incs {
				if _, ok := obs.incidentSeen[i.ID]; !ok {
					obs.incidentSeen[i.ID] = now
				}
			}
			for _, wf := range wfs {
				if _, ok := obs.stepSeen[wf.ID]; !ok && wf.admitted() {
					obs.stepSeen[wf.ID] = now
				}
			}
			s := summarise(incs, wfs, inStorm)
			if obs.handledSeen.IsZero() && len(s.storm) >= len(deployments) && s.unfinished == 0 {
				obs.handledSeen = now
				stopAt = now.Add(*linger)
				fmt.Fprintf(os.Stderr, "storm: handled at +%s; watching %s more\n", secs(now.Sub(t0)), *linger)
			}
			if time.Since(lastProgress) >= 5*time.Second {
				fmt.Fprintf(os.Stderr, "storm: +%s: %d storm incidents, %d workflows finished, %d unfinished, %d admitted\n",
					secs(now.Sub(t0)), len(s.storm), s.finished, s.unfinished, s.admitted)
				lastProgress = time.Now()
			}
		}
		if now.After(stopAt) {
			break
		}
		time.Sleep(*interval)
	}
	pEnd, err := readProc(*enginePID)
	if err != nil {
		return err
	}
	mEnd, err := eng.metrics(ctx)
	if err != nil {
		return err
	}
	return report(reportInput{
		w: w, t0: t0, labelled: labelled, pods: len(pods), deployments: deployments, inStorm: inStorm,
		incs: lastIncs, wfs: lastWfs, obs: obs, p0: p0, pEnd: pEnd, cpuHandled: cpuHandled,
		settle: *settle, settleCPU: settleCPU, m0: m0, mEnd: mEnd, load0: load0,
		clusterBudget: *clusterBudget, nsBudget: *nsBudget, policy: policy, autoPolicy: autoPolicy,
		deadline: *deadline, restartInterval: *restartInterval, concurrency: *concurrency, interval: *interval,
	})
}

// stormState is one poll's view of the storm.
type stormState struct {
	storm      []incidentItem // incidents whose target is in a storm namespace
	byID       map[string]workflowItem
	finished   int // storm incidents whose workflow finished
	unfinished int // storm incidents without a finished workflow
	admitted   int // storm workflows whose action the gate admitted
}

func summarise(incs []incidentItem, wfs []workflowItem, inStorm map[string]bool) stormState {
	s := stormState{byID: make(map[string]workflowItem, len(wfs))}
	byIncident := map[string]workflowItem{}
	for _, wf := range wfs {
		s.byID[wf.ID] = wf
		byIncident[wf.IncidentID] = wf
	}
	for _, i := range incs {
		if !inStorm[targetNamespace(i.Target)] && !inStorm[i.Namespace] {
			continue
		}
		s.storm = append(s.storm, i)
		wf, ok := s.byID[i.WorkflowID]
		if !ok {
			wf, ok = byIncident[i.ID]
		}
		if ok && finished(wf.Status) {
			s.finished++
		} else {
			s.unfinished++
		}
		if ok && wf.admitted() {
			s.admitted++
		}
	}
	return s
}

type reportInput struct {
	w                       workload
	t0                      time.Time
	labelled                time.Duration
	pods                    int
	deployments, inStorm    map[string]bool
	incs                    []incidentItem
	wfs                     []workflowItem
	obs                     observation
	p0, pEnd                procStat
	cpuHandled              time.Duration
	settle                  time.Duration
	settleCPU               time.Duration
	m0, mEnd                map[string]float64
	load0                   string
	clusterBudget, nsBudget int
	policy, autoPolicy      string
	deadline                time.Duration
	restartInterval         string
	concurrency             int
	interval                time.Duration
}

// report prints the summary block and returns an error when a hard condition failed.
func report(in reportInput) error {
	t0 := in.t0
	at := func(raw string) (time.Duration, bool) {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return 0, false
		}
		return t.Sub(t0), true
	}
	var problems, notes []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	note := func(format string, a ...any) { notes = append(notes, fmt.Sprintf(format, a...)) }

	// (a) incidents
	s := summarise(in.incs, in.wfs, in.inStorm)
	perTarget := map[string]int{}
	var created, seen []time.Duration
	var others int
	for _, i := range in.incs {
		if !in.inStorm[targetNamespace(i.Target)] && !in.inStorm[i.Namespace] {
			others++
		}
	}
	for _, i := range s.storm {
		perTarget[i.Target]++
		if d, ok := at(i.CreatedAt); ok {
			created = append(created, d)
		}
		if t, ok := in.obs.incidentSeen[i.ID]; ok {
			seen = append(seen, t.Sub(t0))
		}
		if !in.deployments[i.Target] || i.ActionType != "pod_crash" || i.Source != "watcher" {
			note("incident %s: target %s, type %s, source %s (expected one pod_crash from the watcher per storm Deployment)", i.ID, i.Target, i.ActionType, i.Source)
		}
	}
	var dups []string
	for t, n := range perTarget {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s x%d", t, n))
		}
	}
	sort.Strings(dups)
	missing := 0
	for d := range in.deployments {
		if perTarget[d] == 0 {
			missing++
		}
	}
	if len(s.storm) != len(in.deployments) || len(dups) > 0 || missing > 0 {
		fail("%d storm incidents for %d Deployments (want exactly one each): %d Deployments without one, duplicates %v",
			len(s.storm), len(in.deployments), missing, dups)
	}
	slices.Sort(created)
	slices.Sort(seen)
	nth := func(d []time.Duration, n int) string {
		if len(d) < n {
			return "never"
		}
		return "+" + secs(d[n-1])
	}

	// (b) actions against the budgets
	applied, admitted := 0, 0
	perNS := map[string]int{}
	var firstAction, firstActionSeen []time.Duration
	reasons := map[string]int{}
	var lastDone time.Duration
	for _, i := range s.storm {
		wf, ok := s.byID[i.WorkflowID]
		if !ok {
			reasons["(no workflow)"]++
			continue
		}
		reasons[wf.Status+"/"+wf.Reason]++
		if finished(wf.Status) && wf.CompletedAt != nil {
			if d, ok := at(*wf.CompletedAt); ok {
				lastDone = max(lastDone, d)
			}
		}
		if wf.Status == "failed" && !budgetReason(wf.Reason) || wf.Status == "cancelled" {
			note("workflow %s for %s %s: %s: %s", wf.ID, i.Target, wf.Status, wf.Reason, wf.Message)
		}
		if wf.admitted() {
			admitted++
			if d, ok := at(*wf.Steps[0].StartedAt); ok {
				firstAction = append(firstAction, d)
			}
			if t, ok := in.obs.stepSeen[wf.ID]; ok {
				firstActionSeen = append(firstActionSeen, t.Sub(t0))
			}
		}
		if wf.applied() {
			applied++
			perNS[wf.Target.Namespace]++
		}
	}
	// Workflows not tied to a storm incident that acted in a storm namespace count too.
	stormWF := map[string]bool{}
	for _, i := range s.storm {
		stormWF[i.WorkflowID] = true
	}
	for _, wf := range in.wfs {
		if !stormWF[wf.ID] && in.inStorm[wf.Target.Namespace] {
			note("workflow %s on %s/%s/%s (%s/%s) belongs to no storm incident", wf.ID, wf.Target.Kind, wf.Target.Namespace, wf.Target.Name, wf.Status, wf.Reason)
			if wf.applied() {
				applied++
				perNS[wf.Target.Namespace]++
			}
		}
	}
	actions := sumMetric(in.mEnd, "coordination_engine_actions_total") - sumMetric(in.m0, "coordination_engine_actions_total")
	if applied > in.clusterBudget || int(actions) > in.clusterBudget {
		fail("%d actions applied (actions_total +%.0f), above the cluster budget of %d", applied, actions, in.clusterBudget)
	}
	maxNS, maxNSName := 0, ""
	for ns, n := range perNS {
		if n > maxNS {
			maxNS, maxNSName = n, ns
		}
		if n > in.nsBudget {
			fail("namespace %s: %d actions applied, above the namespace budget of %d", ns, n, in.nsBudget)
		}
	}
	expect := 0
	for _, ns := range namespaces(in.w.prefix, in.w.namespaces) {
		n := 0
		for d := range in.deployments {
			if targetNamespace(d) == ns {
				n++
			}
		}
		expect += min(n, in.nsBudget)
	}
	expect = min(expect, in.clusterBudget)
	if applied != expect {
		note("%d actions applied where the budgets allow %d", applied, expect)
	}

	// (d) handled
	handled := "NOT handled by the deadline"
	if !in.obs.handledSeen.IsZero() {
		handled = fmt.Sprintf("+%s (seen by polling every %s); last workflow completed_at +%s",
			secs(in.obs.handledSeen.Sub(t0)), in.interval, secs(lastDone))
	} else {
		fail("the storm was not handled within %s: %d storm incidents without a finished workflow", in.deadline, s.unfinished)
	}

	// (e) CPU and RSS
	cpuAll := in.pEnd.cpu - in.p0.cpu
	window := time.Since(t0)
	var handledFor time.Duration
	if !in.obs.handledSeen.IsZero() {
		handledFor = in.obs.handledSeen.Sub(t0)
	}

	var keys []string
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rs []string
	for _, k := range keys {
		rs = append(rs, fmt.Sprintf("%s %d", k, reasons[k]))
	}
	ri := in.restartInterval
	if ri == "" {
		ri = "kwok's default 3s"
	}

	fmt.Println("==================== storm summary ====================")
	fmt.Printf("machine            : %d cores; load average at T0 %s, at the end %s\n", runtime.NumCPU(), in.load0, loadavg())
	fmt.Printf("storm              : %d pods = %d Deployments x %d replicas in %d namespaces %s0..%d; labelled %s=crashloop in %s (concurrency %d); restart interval %s\n",
		in.pods, in.w.deployments, in.w.replicas, in.w.namespaces, in.w.prefix, in.w.namespaces-1, faultLabel, secs(in.labelled), in.concurrency, ri)
	fmt.Printf("safety policy      : %s -> clusterBudget %d/h, namespaceBudget %d/h\n", in.policy, in.clusterBudget, in.nsBudget)
	fmt.Printf("auto-remediation   : %s\n", in.autoPolicy)
	fmt.Printf("(a) incidents      : %d for storm targets (%d distinct Deployments of %d; want exactly %d); %d others\n",
		len(s.storm), len(perTarget), len(in.deployments), len(in.deployments), others)
	fmt.Printf("    first / 100th  : created_at %s / %s; seen by polling %s / %s (T0 = first label patch sent)\n",
		nth(created, 1), nth(created, min(100, len(in.deployments))), nth(seen, 1), nth(seen, min(100, len(in.deployments))))
	fmt.Printf("(c) detection      : created_at - T0 %s; seen - T0 %s (created_at is cut to whole seconds: up to 1 s low)\n", dist(created), dist(seen))
	if n := in.mEnd["coordination_engine_detection_seconds_count"] - in.m0["coordination_engine_detection_seconds_count"]; n > 0 {
		sum := in.mEnd["coordination_engine_detection_seconds_sum"] - in.m0["coordination_engine_detection_seconds_sum"]
		fmt.Printf("    inside engine  : watcher first saw a problem -> incident opened (WATCH_DEBOUNCE included), mean %.1f s over %.0f problems (coordination_engine_detection_seconds)\n", sum/n, n)
	}
	fmt.Printf("(b) actions applied: %d (workflows whose step is running/completed; %d admitted), actions_total +%.0f; cluster budget %d, busiest namespace %s %d (budget %d)\n",
		applied, admitted, actions, in.clusterBudget, maxNSName, maxNS, in.nsBudget)
	fmt.Printf("(c) first action   : step started_at - T0 %s; seen - T0 %s\n", dist(firstAction), dist(firstActionSeen))
	fmt.Printf("    workflows      : %s\n", strings.Join(rs, ", "))
	fmt.Printf("(d) storm handled  : %s\n", handled)
	fmt.Printf("(e) engine CPU     : %.2f s from T0 to handled (%.2f cores on average); %.2f s in the whole %s window; idle while settling before T0: %.2f s in %s\n",
		in.cpuHandled.Seconds(), safeDiv(in.cpuHandled.Seconds(), handledFor.Seconds()), cpuAll.Seconds(), secs(window), in.settleCPU.Seconds(), in.settle)
	fmt.Printf("    engine RSS     : %s at T0, peak %s (sampled every %s; VmHWM %s), %s at the end\n",
		mib(in.p0.rss), mib(in.obs.peakRSS), in.interval, mib(in.pEnd.hwm), mib(in.pEnd.rss))
	fmt.Printf("    API polls      : %d (%d failed)\n", in.obs.polls, in.obs.pollErrors)
	for _, n := range notes {
		fmt.Println("note:", n)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Println("FAIL:", p)
		}
		fmt.Println("result             : FAIL")
		return fmt.Errorf("%d check(s) failed", len(problems))
	}
	fmt.Println("result             : PASS")
	return nil
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
