package engine

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// BenchmarkTriggerToChange measures, over 200 triggers on distinct Deployments, the time from
// sending POST /api/v1/remediation/trigger to the restart patch being visible at the API server
// (its watch event arriving). Each trigger is durable (Incident and RemediationWorkflow
// records), gated and planned. Run with -benchtime=1x:
//
//	go test -run '^$' -bench BenchmarkTriggerToChange -benchtime=1x ./internal/engine/
func BenchmarkTriggerToChange(b *testing.B) {
	const n = 200
	e := startEngine(b, withSafetyPolicy(b, map[string]string{"namespaceBudget": "10000", "clusterBudget": "10000"}))
	c := env.Client(b)
	ns := env.Namespace(b)
	for i := range n {
		newDeployment(b, c, ns, fmt.Sprintf("web-%d", i))
	}
	cs := kubernetes.NewForConfigOrDie(env.Config)
	list, err := cs.AppsV1().Deployments(ns).List(b.Context(), metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	w, err := cs.AppsV1().Deployments(ns).Watch(b.Context(), metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	type change struct {
		name string
		at   time.Time
	}
	changed := make(chan change, n)
	go func() {
		for ev := range w.ResultChan() {
			if d, ok := ev.Object.(*appsv1.Deployment); ok && ev.Type == watch.Modified &&
				d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] != "" {
				changed <- change{d.Name, time.Now()}
			}
		}
	}()
	latencies := make([]time.Duration, 0, n)
	for b.Loop() {
		latencies = latencies[:0]
		for i := range n {
			name := fmt.Sprintf("web-%d", i)
			start := time.Now()
			if code, raw, err := post(e.url+"/api/v1/remediation/trigger", triggerBody(ns, "Deployment", name, "pod_crash", false)); err != nil || code != http.StatusAccepted {
				b.Fatalf("trigger = %d %s %v", code, raw, err)
			}
			// The change may become visible before the answer arrives: the executor starts when
			// the workflow is recorded, while the handler still previews the plan.
			select {
			case got := <-changed:
				if got.name != name {
					b.Fatalf("changed %s, want %s", got.name, name)
				}
				latencies = append(latencies, got.at.Sub(start))
			case <-time.After(10 * time.Second):
				b.Fatalf("no change of %s within 10s", name)
			}
		}
	}
	b.Logf("first 10: %v; last 10: %v", latencies[:10], latencies[len(latencies)-10:])
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "max-ms")
}
