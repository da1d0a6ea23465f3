// Command demo shows the engine heal three broken workloads of the local cluster that make run
// starts: it installs the Helm release "orders" (chart hack/samples/charts/orders, OOMKilled by
// its values), waits until the sample Deployments "payments" (a bad rollout that crash-loops),
// "cache" (OOMKilled) and "orders" show their symptoms, and then calls nothing: the engine's
// watchers notice the problems, open incidents and remediate them. The demo reads the engine's
// incidents and follows their workflows until they are verified. It uses KUBECONFIG and changes
// nothing itself besides the rollout and the release.
//
//	go run ./hack/demo --url http://127.0.0.1:8080 --namespace demo
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "the engine's API")
	ns := flag.String("namespace", "demo", "namespace of the sample workloads")
	chart := flag.String("orders-chart", "hack/samples/charts/orders", "the chart of the Helm release orders")
	timeout := flag.Duration("timeout", 4*time.Minute, "how long to wait for everything")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *url, *ns, *chart); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, ns, chart string) error {
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig (set KUBECONFIG): %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	cacheDir, err := os.MkdirTemp("", "demo-helm-cache-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cacheDir)
	releases, err := newHelmReleases(ns, cacheDir)
	if err != nil {
		return err
	}
	say("Installing the Helm release %s (chart %s) with values that make kwok OOMKill it below 96Mi", ordersRelease, chart)
	if err := releases.install(ctx, ordersRelease, chart, ordersFault()); err != nil {
		return err
	}
	say("Waiting for the symptoms: payments crash-looping after its rollout, cache and orders OOMKilled")
	if err := waitFor(ctx, func() (bool, error) { return symptom(ctx, cs, ns, "app=payments", "CrashLoopBackOff") }); err != nil {
		return fmt.Errorf("payments never crash-looped: %w", err)
	}
	for _, app := range []string{"cache", ordersRelease} {
		if err := waitFor(ctx, func() (bool, error) { return symptom(ctx, cs, ns, "app="+app, "OOMKilled") }); err != nil {
			return fmt.Errorf("%s was never OOMKilled: %w", app, err)
		}
	}
	say("Before: %s", describe(ctx, cs, ns, releases))
	say("Nobody calls the engine: its watchers notice the problems, open incidents and remediate them")
	var ids []string
	for _, name := range []string{"payments", "cache", ordersRelease} {
		id, err := noticed(ctx, url, "Deployment/"+ns+"/"+name)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if err := follow(ctx, url, id); err != nil {
			return err
		}
	}
	say("After:  %s", describe(ctx, cs, ns, releases))
	return nil
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "    "+format+"\n", args...)
}

func waitFor(ctx context.Context, ok func() (bool, error)) error {
	for {
		done, err := ok()
		if done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// symptom says whether a pod of the selector shows reason as its current or last state.
func symptom(ctx context.Context, cs kubernetes.Interface, ns, selector, reason string) (bool, error) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return false, err
	}
	for _, p := range pods.Items {
		for _, s := range p.Status.ContainerStatuses {
			if (s.State.Waiting != nil && s.State.Waiting.Reason == reason) ||
				(s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.Reason == reason) {
				return true, nil
			}
		}
	}
	return false, nil
}

// describe summarises what the engine changes: payments' image, cache's and orders' memory
// limits and the revision of the Helm release orders.
func describe(ctx context.Context, cs kubernetes.Interface, ns string, releases *helmReleases) string {
	get := func(name string) *appsv1.Deployment {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil
		}
		return d
	}
	out := ""
	if d := get("payments"); d != nil {
		out += fmt.Sprintf("payments runs %s (%d/%d ready)", d.Spec.Template.Spec.Containers[0].Image, d.Status.ReadyReplicas, *d.Spec.Replicas)
	}
	if d := get("cache"); d != nil {
		lim := d.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory]
		out += fmt.Sprintf("; cache has a %s memory limit (%d/%d ready)", lim.String(), d.Status.ReadyReplicas, *d.Spec.Replicas)
	}
	if d := get(ordersRelease); d != nil {
		lim := d.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory]
		rev := "unknown"
		if n, err := releases.revision(ordersRelease); err == nil {
			rev = strconv.Itoa(n)
		}
		out += fmt.Sprintf("; orders has a %s memory limit at Helm release revision %s (%d/%d ready)", lim.String(), rev, d.Status.ReadyReplicas, *d.Spec.Replicas)
	}
	return out
}

// noticed waits for the incident the engine's watchers open for target, with its workflow, and
// returns the workflow's id.
func noticed(ctx context.Context, url, target string) (string, error) {
	for {
		var list struct {
			Incidents []struct {
				ID         string `json:"id"`
				Title      string `json:"title"`
				Source     string `json:"source"`
				Target     string `json:"target"`
				WorkflowID string `json:"workflow_id"`
			} `json:"incidents"`
		}
		if err := call(ctx, http.MethodGet, url+"/api/v1/incidents?status=all&severity=all&limit=1000&offset=0", "", &list); err != nil {
			return "", err
		}
		for _, inc := range list.Incidents {
			if inc.Target == target && inc.WorkflowID != "" {
				var wf struct {
					DeploymentMethod string `json:"deployment_method"`
					Strategy         string `json:"strategy"`
				}
				_ = call(ctx, http.MethodGet, url+"/api/v1/workflows/"+inc.WorkflowID, "", &wf)
				say("%s: incident %s (%s, source %s) -> workflow %s: %s deployment, %s strategy", target, inc.ID, inc.Title,
					inc.Source, inc.WorkflowID, orUnknown(wf.DeploymentMethod), orUnknown(wf.Strategy))
				return inc.WorkflowID, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the engine opened no incident for %s: %w (its log: .local/engine.log)", target, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "(not planned yet)"
	}
	return s
}

// follow prints each new status of the workflow until it finishes.
func follow(ctx context.Context, url, id string) error {
	last := ""
	for {
		var wf struct {
			Status      string  `json:"status"`
			Reason      string  `json:"reason"`
			Message     string  `json:"message"`
			CreatedAt   string  `json:"created_at"`
			CompletedAt *string `json:"completed_at"`
		}
		if err := call(ctx, http.MethodGet, url+"/api/v1/workflows/"+id, "", &wf); err != nil {
			return err
		}
		if line := wf.Status + " (" + wf.Reason + "): " + wf.Message; line != last {
			say("  %s %s", id, line)
			last = line
		}
		switch wf.Status {
		case "completed":
			if took, ok := elapsed(wf.CreatedAt, wf.CompletedAt); ok {
				say("  %s healed in %s", id, took)
			}
			return nil
		case "failed", "cancelled":
			return fmt.Errorf("workflow %s %s: %s", id, wf.Status, wf.Message)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("workflow %s: %w", id, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// elapsed is the time from a workflow's creation to its completion, when both are known.
func elapsed(created string, completed *string) (time.Duration, bool) {
	if completed == nil {
		return 0, false
	}
	from, err1 := time.Parse(time.RFC3339Nano, created)
	to, err2 := time.Parse(time.RFC3339Nano, *completed)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return to.Sub(from).Round(100 * time.Millisecond), true
}

func call(ctx context.Context, method, url, body string, out any) error {
	var r io.Reader
	if body != "" {
		r = bytes.NewBufferString(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w (is the engine running?)", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}
