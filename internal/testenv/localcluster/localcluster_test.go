package localcluster_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

const ns = "localcluster-test"

// current is the cluster under test; waitUntil stops waiting once one of its processes died.
var current *localcluster.Cluster

// TestCluster starts a real control plane with two kwok nodes and checks what the engine's tests
// rely on: Deployments become Running+Ready pods through the real controllers, the scripted
// faults behave as documented, RBAC is enforced, and Stop leaves no process behind.
func TestCluster(t *testing.T) {
	root, err := localcluster.FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	opts := localcluster.Options{BinDir: localcluster.DefaultBinDir(root), Nodes: 2, Log: testLog{t}, Dir: t.TempDir()}
	if err := localcluster.CheckBinaries(opts); err != nil {
		if os.Getenv("LOCALCLUSTER_REQUIRED") == "1" {
			t.Fatalf("%v\n(LOCALCLUSTER_REQUIRED=1 makes this a failure instead of a skip)", err)
		}
		t.Skipf("skipping: %v (LOCALCLUSTER_REQUIRED=1 turns this skip into a failure)", err)
	}

	ctx := t.Context()
	startCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	c, err := localcluster.Start(startCtx, opts)
	if err != nil {
		t.Fatal(err)
	}
	current = c
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = c.Stop()
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range c.Processes() {
				t.Logf("last lines of %s:\n%s", p.Log, tail(p.Log, 15))
			}
		}
	})

	cs := kubernetes.NewForConfigOrDie(c.RESTConfig())
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The ServiceAccount admission plugin rejects pods until the namespace's default
	// ServiceAccount exists.
	waitUntil(t, 30*time.Second, "default ServiceAccount in "+ns, func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})

	t.Run("faults", func(t *testing.T) {
		t.Run("Deployment pods become Running and Ready", func(t *testing.T) {
			t.Parallel()
			testDeployment(t, cs)
		})
		t.Run("crashloop fault", func(t *testing.T) {
			t.Parallel()
			testCrashLoop(t, cs)
		})
		t.Run("oomkill fault stops when the limit is raised", func(t *testing.T) {
			t.Parallel()
			testOOMKill(t, cs)
		})
		t.Run("imagepull fault", func(t *testing.T) {
			t.Parallel()
			testImagePull(t, cs)
		})
		t.Run("notready and kubelet-down node faults", func(t *testing.T) {
			t.Parallel()
			testNodeFaults(t, cs)
		})
		t.Run("RBAC is enforced for ServiceAccount tokens", func(t *testing.T) {
			t.Parallel()
			testRBAC(t, cs, c.RESTConfig())
		})
	})

	procs := c.Processes()
	if len(procs) != 5 {
		t.Errorf("Processes() = %d processes, want 5", len(procs))
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	for _, p := range procs {
		if err := syscall.Kill(p.PID, 0); err != syscall.ESRCH {
			t.Errorf("%s (pid %d) still exists after Stop (kill 0: %v)", p.Name, p.PID, err)
		}
	}
	if kids := childrenOf(os.Getpid()); len(kids) > 0 {
		t.Errorf("child processes remain after Stop: %v", kids)
	}
	if _, err := os.Stat(filepath.Join(c.Dir(), "state.json")); !os.IsNotExist(err) {
		t.Errorf("state.json still exists after Stop: %v", err)
	}
}

func testDeployment(t *testing.T, cs kubernetes.Interface) {
	ctx := t.Context()
	d := deployment("web", 3, "nginx:1.27", "128Mi", nil, nil)
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "3 Running and Ready pods of web", func() (bool, string) {
		pods := podsOf(t, cs, "web")
		n := 0
		for _, p := range pods {
			if p.Status.Phase == corev1.PodRunning && podReady(&p) && p.Spec.NodeName != "" && p.Status.PodIP != "" {
				n++
			}
		}
		return n == 3, describePods(pods)
	})
	waitUntil(t, 30*time.Second, "Deployment web available", func() (bool, string) {
		got, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return got.Status.AvailableReplicas == 3 && got.Status.ReadyReplicas == 3, fmt.Sprintf("%+v", got.Status)
	})
}

func testCrashLoop(t *testing.T, cs kubernetes.Interface) {
	ctx := t.Context()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "payments",
			Labels:      map[string]string{localcluster.FaultLabel: "crashloop"},
			Annotations: map[string]string{localcluster.RestartIntervalAnnotation: "1s"},
		},
		Spec: podSpec("payments:1.0", "128Mi"),
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var first int32
	waitUntil(t, 60*time.Second, "payments in CrashLoopBackOff with restarts", func() (bool, string) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "payments", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if len(p.Status.ContainerStatuses) != 1 {
			return false, describePods([]corev1.Pod{*p})
		}
		s := p.Status.ContainerStatuses[0]
		first = s.RestartCount
		ok := s.RestartCount >= 1 && s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff" &&
			s.State.Running == nil && s.LastTerminationState.Terminated != nil &&
			s.LastTerminationState.Terminated.ExitCode == 1 && !podReady(p) && p.Status.Phase == corev1.PodRunning
		return ok, describePods([]corev1.Pod{*p})
	})
	waitUntil(t, 30*time.Second, "payments restartCount to grow", func() (bool, string) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "payments", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		s := p.Status.ContainerStatuses[0]
		return s.RestartCount >= first+2 && s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff", describePods([]corev1.Pod{*p})
	})
	waitUntil(t, 30*time.Second, "a BackOff event for payments", func() (bool, string) {
		evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=payments,reason=BackOff"})
		if err != nil {
			return false, err.Error()
		}
		return len(evs.Items) > 0, fmt.Sprintf("%d events", len(evs.Items))
	})
}

func testOOMKill(t *testing.T, cs kubernetes.Interface) {
	ctx := t.Context()
	d := deployment("cache", 2, "redis:7", "64Mi",
		map[string]string{localcluster.FaultLabel: "oomkill"},
		map[string]string{localcluster.OOMBelowAnnotation: "256Mi", localcluster.RestartIntervalAnnotation: "1s"})
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "cache pods OOMKilled in CrashLoopBackOff", func() (bool, string) {
		pods := podsOf(t, cs, "cache")
		n := 0
		for _, p := range pods {
			if len(p.Status.ContainerStatuses) == 0 {
				continue
			}
			s := p.Status.ContainerStatuses[0]
			if s.RestartCount >= 2 && s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff" &&
				s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.Reason == "OOMKilled" &&
				s.LastTerminationState.Terminated.ExitCode == 137 && !podReady(&p) {
				n++
			}
		}
		return n == 2, describePods(pods)
	})
	// 0.25Gi == 256Mi: the stage compares quantities, not strings.
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"app","resources":{"limits":{"memory":"0.25Gi"}}}]}}}}`
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, "cache", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	want := resource.MustParse("256Mi")
	waitUntil(t, 90*time.Second, "cache rolled out with 256Mi and Ready", func() (bool, string) {
		pods := podsOf(t, cs, "cache")
		ready := 0
		for _, p := range pods {
			lim := p.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory]
			if lim.Cmp(want) != 0 {
				return false, describePods(pods) // old pods still around
			}
			if p.Status.Phase == corev1.PodRunning && podReady(&p) && p.Status.ContainerStatuses[0].RestartCount == 0 {
				ready++
			}
		}
		return ready == 2, describePods(pods)
	})
}

func testImagePull(t *testing.T, cs kubernetes.Interface) {
	ctx := t.Context()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "frontend"},
		Spec:       podSpec("nginx:bad", "64Mi"),
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "frontend in ImagePullBackOff", func() (bool, string) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "frontend", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		ok := len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "ImagePullBackOff" && p.Status.Phase == corev1.PodPending
		return ok, describePods([]corev1.Pod{*p})
	})
	// Still in ImagePullBackOff a little later: pod-ready must not win.
	time.Sleep(2 * time.Second)
	p, err := cs.CoreV1().Pods(ns).Get(ctx, "frontend", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status.Phase != corev1.PodPending {
		t.Fatalf("frontend left Pending with a bad image: %s", describePods([]corev1.Pod{*p}))
	}
	// Fix the image in place.
	patch := `{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}`
	if _, err := cs.CoreV1().Pods(ns).Patch(ctx, "frontend", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "frontend Running and Ready after the image fix", func() (bool, string) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "frontend", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == corev1.PodRunning && podReady(p), describePods([]corev1.Pod{*p})
	})
}

func testNodeFaults(t *testing.T, cs kubernetes.Interface) {
	ctx := t.Context()
	const name = "kwok-node-faulty"
	node := localcluster.FakeNode(name, "")
	// Keep the other tests' pods off this node.
	node.Spec.Taints = []corev1.Taint{{Key: "localcluster-test/faulty", Effect: corev1.TaintEffectNoSchedule}}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	readyStatus := func() (corev1.ConditionStatus, string) {
		n, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", err.Error()
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status, c.Reason + ": " + c.Message
			}
		}
		return "", "no Ready condition"
	}
	waitReady := func(want corev1.ConditionStatus) {
		t.Helper()
		waitUntil(t, 30*time.Second, fmt.Sprintf("node %s Ready=%s", name, want), func() (bool, string) {
			s, msg := readyStatus()
			return s == want, string(s) + " " + msg
		})
	}
	setFault := func(value string) {
		t.Helper()
		v := "null"
		if value != "" {
			v = strconv.Quote(value)
		}
		patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%s}}}`, localcluster.FaultLabel, v)
		if _, err := cs.CoreV1().Nodes().Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitReady(corev1.ConditionTrue)
	setFault("notready")
	waitReady(corev1.ConditionFalse)
	if _, msg := readyStatus(); !strings.HasPrefix(msg, "KubeletNotReady") {
		t.Errorf("Ready condition reason/message = %q, want KubeletNotReady", msg)
	}
	setFault("")
	waitReady(corev1.ConditionTrue)

	// kubelet-down: kwok stops managing the node, so a pod bound to it is not started.
	setFault("kubelet-down")
	time.Sleep(2 * time.Second) // let kwok see the node leave its label selector
	bound := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "on-faulty-node"},
		Spec:       podSpec("nginx:1.27", "64Mi"),
	}
	bound.Spec.NodeName = name
	bound.Spec.Tolerations = append(bound.Spec.Tolerations, corev1.Toleration{Operator: corev1.TolerationOpExists})
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, bound, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	p, err := cs.CoreV1().Pods(ns).Get(ctx, bound.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status.Phase != corev1.PodPending {
		t.Errorf("pod on a kubelet-down node got phase %s, want Pending", p.Status.Phase)
	}
	setFault("")
	waitUntil(t, 30*time.Second, "the pod Running once the node's kubelet is back", func() (bool, string) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, bound.Name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == corev1.PodRunning, describePods([]corev1.Pod{*p})
	})
}

func testRBAC(t *testing.T, cs kubernetes.Interface, admin *rest.Config) {
	ctx := t.Context()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"}}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}},
	}
	if _, err := cs.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pod-reader"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "pod-reader", Namespace: ns}},
	}
	if _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tok, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "pod-reader", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.AnonymousClientConfig(admin)
	cfg.BearerToken = tok.Status.Token
	sacs := kubernetes.NewForConfigOrDie(cfg)
	if _, err := sacs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("list pods as pod-reader: %v", err)
	}
	if _, err := sacs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("list secrets as pod-reader: err = %v, want Forbidden", err)
	}
	if _, err := sacs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("list pods in kube-system as pod-reader: err = %v, want Forbidden", err)
	}
}

func deployment(name string, replicas int32, image, memLimit string, labels, annotations map[string]string) *appsv1.Deployment {
	podLabels := map[string]string{"app": name}
	for k, v := range labels {
		podLabels[k] = v
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: annotations},
				Spec:       podSpec(image, memLimit),
			},
		},
	}
}

func podSpec(image, memLimit string) corev1.PodSpec {
	return corev1.PodSpec{
		NodeSelector: map[string]string{localcluster.NodeLabel: localcluster.NodeLabelValue},
		Containers: []corev1.Container{{
			Name:  "app",
			Image: image,
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memLimit)},
			},
		}},
	}
}

func podsOf(t *testing.T, cs kubernetes.Interface, app string) []corev1.Pod {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func describePods(pods []corev1.Pod) string {
	var b strings.Builder
	for _, p := range pods {
		fmt.Fprintf(&b, "\n  %s node=%q phase=%s ready=%v", p.Name, p.Spec.NodeName, p.Status.Phase, podReady(&p))
		for _, s := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, " [%s restarts=%d", s.Name, s.RestartCount)
			if s.State.Waiting != nil {
				fmt.Fprintf(&b, " waiting=%s", s.State.Waiting.Reason)
			}
			if s.State.Running != nil {
				b.WriteString(" running")
			}
			if s.LastTerminationState.Terminated != nil {
				fmt.Fprintf(&b, " last=%s/%d", s.LastTerminationState.Terminated.Reason, s.LastTerminationState.Terminated.ExitCode)
			}
			b.WriteString("]")
		}
	}
	return b.String()
}

// waitUntil polls cond every 200 ms; on timeout it fails the test with cond's last detail.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) || t.Context().Err() != nil {
			t.Fatalf("timed out after %s waiting for %s; last seen: %s", timeout, what, detail)
		}
		if current != nil {
			for _, p := range current.Processes() {
				if !p.Running() {
					t.Fatalf("%s exited while waiting for %s; see %s", p.Name, what, p.Log)
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// childrenOf returns the live processes whose parent is pid.
func childrenOf(pid int) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:])) // state, ppid, ...
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, e.Name()+" "+string(data[:i+1]))
		}
	}
	return out
}

func tail(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// testLog sends Start's progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
