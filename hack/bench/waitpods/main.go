// Command waitpods waits until a namespace has at least -count pods that are Running and Ready
// (kwok reports them), printing progress, for the benchmarks. It uses KUBECONFIG.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	ns := flag.String("namespace", "bench", "namespace of the pods")
	count := flag.Int("count", 1000, "pods that must be Running and Ready")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "waitpods: kubeconfig:", err)
		os.Exit(2)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	for {
		pods, err := cs.CoreV1().Pods(*ns).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		ready := 0
		if err == nil {
			for _, p := range pods.Items {
				if p.Status.Phase == corev1.PodRunning && isReady(p) {
					ready++
				}
			}
		}
		fmt.Fprintf(os.Stderr, "\r%d/%d pods Running and Ready (%s)   ", ready, *count, time.Since(start).Round(time.Second))
		if ready >= *count {
			fmt.Fprintln(os.Stderr)
			return
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(os.Stderr, "\nwaitpods: timed out")
			os.Exit(1)
		case <-time.After(time.Second):
		}
	}
}

func isReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
