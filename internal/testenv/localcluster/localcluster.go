// Package localcluster starts and stops a real local Kubernetes control plane — etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok — on 127.0.0.1, for tests,
// benchmarks and the demo.
//
// The binaries come from hack/build-cluster-binaries.sh (bin/k8s/v<version>/ and bin/kwok); this
// package builds nothing. kwok plays the kubelets of fake nodes labelled type=kwok, so
// Deployments, ReplicaSets, scheduling, garbage collection and node lifecycle are the real
// controllers', and pods get statuses without containers. The kwok Stages (package
// selfhealing.dev/coordination-engine/hack/kwok) also script failures selected by the label
// kwok.selfhealing.dev/fault: crashloop, oomkill and imagepull on pods, notready and
// kubelet-down on nodes.
//
// In a test:
//
//	c, err := localcluster.Start(t.Context(), localcluster.Options{BinDir: ..., Nodes: 2})
//	...
//	t.Cleanup(func() { c.Stop() })
//
// Start with Options.Detached leaves the processes running after this process exits (used by
// hack/localcluster); Attach finds them again from the state file in the cluster directory.
package localcluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	kwokstages "selfhealing.dev/coordination-engine/hack/kwok"
)

// DefaultK8sVersion is the Kubernetes version used when K8S_VERSION is not set; keep it equal to
// the default of hack/build-cluster-binaries.sh.
const DefaultK8sVersion = "1.34.4"

// Network ranges. kwok's default pod range (10.0.0.0/24) overlaps kube-apiserver's default
// service range, so both are set.
const (
	serviceCIDR = "10.96.0.0/16"
	podCIDR     = "10.244.0.0/16"
)

// Labels and annotations the package and its kwok Stages use.
const (
	// NodeLabel and NodeLabelValue select the nodes kwok manages.
	NodeLabel      = "type"
	NodeLabelValue = "kwok"
	// FaultLabel selects a scripted failure: on pods "crashloop", "oomkill" or "imagepull", on
	// nodes "notready" or "kubelet-down". See the YAML files in hack/kwok.
	FaultLabel = "kwok.selfhealing.dev/fault"
	// OOMBelowAnnotation is the memory limit from which an "oomkill" pod stops being killed.
	OOMBelowAnnotation = "kwok.selfhealing.dev/oom-below"
	// FaultContainerAnnotation limits a pod fault to one container.
	FaultContainerAnnotation = "kwok.selfhealing.dev/fault-container"
	// RestartIntervalAnnotation is the time between crashes of a crashloop or oomkill pod
	// (a Go duration; default 3s).
	RestartIntervalAnnotation = "kwok.selfhealing.dev/restart-interval"
)

// kwokNodeSelector is the label selector of the nodes kwok manages; a node labelled
// kwok.selfhealing.dev/fault=kubelet-down drops out of it, as if its kubelet died.
const kwokNodeSelector = NodeLabel + "=" + NodeLabelValue + "," + FaultLabel + "!=kubelet-down"

// ErrBinariesMissing is returned (wrapped) by Start and CheckBinaries when a binary is missing.
var ErrBinariesMissing = errors.New("control-plane binaries missing: run hack/build-cluster-binaries.sh")

// Options configure Start.
type Options struct {
	// BinDir holds etcd, kube-apiserver, kube-controller-manager and kube-scheduler
	// (bin/k8s/v<version>; see DefaultBinDir).
	BinDir string
	// KwokBinary is the kwok executable; default: bin/kwok next to bin/k8s, i.e. BinDir/../../kwok.
	KwokBinary string
	// Dir receives state, certificates, logs and the kubeconfig. Empty: a temporary directory
	// that Stop removes. A given Dir is kept by Stop (its logs help after a failure).
	Dir string
	// Nodes is the number of fake nodes (named kwok-node-0, kwok-node-1, ...); may be 0.
	Nodes int
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Detached starts the processes in their own session so that they outlive this process; stop
	// them with Stop, or later with Attach(Dir).Stop(). Otherwise they are killed if this
	// process dies.
	Detached bool
}

// Cluster is a running local control plane.
type Cluster struct {
	dir        string
	ownsDir    bool
	kubeconfig string
	server     string
	pki        pki
	log        io.Writer
	procs      []*proc // in start order

	stopOnce sync.Once
	stopErr  error
}

// DefaultBinDir returns repoRoot/bin/k8s/v<version>, the version from the K8S_VERSION
// environment variable or DefaultK8sVersion.
func DefaultBinDir(repoRoot string) string {
	v := strings.TrimPrefix(os.Getenv("K8S_VERSION"), "v")
	if v == "" {
		v = DefaultK8sVersion
	}
	return filepath.Join(repoRoot, "bin", "k8s", "v"+v)
}

// FindRepoRoot returns the nearest directory at or above start that holds a go.mod.
func FindRepoRoot(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above %s", start)
		}
		dir = parent
	}
}

var controlPlaneBinaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}

func (o Options) kwokBinary() string {
	if o.KwokBinary != "" {
		return o.KwokBinary
	}
	return filepath.Join(filepath.Dir(filepath.Dir(filepath.Clean(o.BinDir))), "kwok")
}

// CheckBinaries reports (wrapping ErrBinariesMissing) which binaries Start would miss.
func CheckBinaries(opts Options) error {
	var missing []string
	bins := []string{opts.kwokBinary()}
	for _, b := range controlPlaneBinaries {
		bins = append(bins, filepath.Join(opts.BinDir, b))
	}
	for _, b := range bins {
		if fi, err := os.Stat(b); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w (K8S_VERSION selects the version): missing %s", ErrBinariesMissing, strings.Join(missing, ", "))
	}
	return nil
}

// Start starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on free
// ports of 127.0.0.1, creates opts.Nodes fake nodes, and returns once /readyz answers ok, the
// default ServiceAccount exists and every node is Ready. ctx bounds the start only; the processes
// run until Stop. On error, whatever was started is stopped again.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	began := time.Now()
	if opts.BinDir == "" {
		return nil, fmt.Errorf("localcluster: Options.BinDir is empty: %w", ErrBinariesMissing)
	}
	if opts.Nodes < 0 {
		return nil, fmt.Errorf("localcluster: Options.Nodes is %d", opts.Nodes)
	}
	if err := CheckBinaries(opts); err != nil {
		return nil, err
	}
	binDir, err := filepath.Abs(opts.BinDir)
	if err != nil {
		return nil, err
	}
	kwokBin, err := filepath.Abs(opts.kwokBinary())
	if err != nil {
		return nil, err
	}
	c := &Cluster{log: opts.Log}
	if c.log == nil {
		c.log = io.Discard
	}
	if opts.Dir == "" {
		if c.dir, err = os.MkdirTemp("", "localcluster-"); err != nil {
			return nil, err
		}
		c.ownsDir = true
	} else {
		if c.dir, err = filepath.Abs(opts.Dir); err != nil {
			return nil, err
		}
		if s, err := readState(c.dir); err == nil && anyRunning(s.Processes) {
			return nil, fmt.Errorf("localcluster: a cluster recorded in %s still runs; stop it first", filepath.Join(c.dir, stateFile))
		}
		if err := os.MkdirAll(c.dir, 0o700); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			_ = c.Stop()
			err = fmt.Errorf("localcluster: %w", err)
		}
	}()
	c.pki = pki{dir: filepath.Join(c.dir, "pki")}
	c.kubeconfig = filepath.Join(c.dir, "kubeconfig")
	logDir := filepath.Join(c.dir, "logs")
	// A fresh cluster: no etcd data of an earlier one in the same directory.
	if err := os.RemoveAll(filepath.Join(c.dir, "etcd")); err != nil {
		return nil, err
	}
	for _, d := range []string{logDir, filepath.Join(c.dir, "etcd"), filepath.Join(c.dir, "kwok-home")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}

	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	etcdPort, etcdPeerPort, apiPort, cmPort, schedPort := ports[0], ports[1], ports[2], ports[3], ports[4]
	c.server = "https://127.0.0.1:" + strconv.Itoa(apiPort)

	if err := generatePKI(c.pki); err != nil {
		return nil, fmt.Errorf("generate certificates: %w", err)
	}
	kubeconfigs := map[string]string{}
	for _, id := range clientIdentities {
		path := filepath.Join(c.dir, id.file+".kubeconfig")
		if id.file == "admin" {
			path = c.kubeconfig
		}
		if err := writeKubeconfig(path, c.server, c.pki.caCert(), c.pki.clientCert(id.file), c.pki.clientKey(id.file), id.cn); err != nil {
			return nil, err
		}
		kubeconfigs[id.file] = path
	}
	stages, err := kwokstages.Stages()
	if err != nil {
		return nil, err
	}
	kwokConfig := filepath.Join(c.dir, "kwok.yaml")
	if err := os.WriteFile(kwokConfig, stages, 0o600); err != nil {
		return nil, err
	}

	env := childEnv()
	st := state{Version: 1, StartedAt: began.UTC(), Server: c.server, Kubeconfig: c.kubeconfig, BinDir: binDir, Detached: opts.Detached}
	start := func(name, bin string, args []string, env []string) (*proc, error) {
		p, err := startProcess(name, bin, args, env, c.dir, filepath.Join(logDir, name+".log"), opts.Detached)
		if err != nil {
			return nil, err
		}
		c.procs = append(c.procs, p)
		st.Processes = append(st.Processes, p.Process)
		if err := writeState(c.dir, st); err != nil {
			return nil, err
		}
		return p, nil
	}
	step := time.Now()
	progress := func(format string, args ...any) {
		fmt.Fprintf(c.log, "localcluster: "+format+" (%.1fs)\n", append(args, time.Since(step).Seconds())...)
		step = time.Now()
	}

	// etcd
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeerPort)
	etcd, err := start("etcd", filepath.Join(binDir, "etcd"), []string{
		"--name=localcluster",
		"--data-dir=" + filepath.Join(c.dir, "etcd"),
		"--listen-client-urls=" + etcdURL,
		"--advertise-client-urls=" + etcdURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=localcluster=" + peerURL,
		"--initial-cluster-state=new",
		"--unsafe-no-fsync=true", // a throw-away cluster: speed over durability
		"--quota-backend-bytes=8589934592",
		"--log-level=warn",
	}, env)
	if err != nil {
		return nil, err
	}
	plain := &http.Client{Timeout: 2 * time.Second}
	if err := waitFor(ctx, etcd, "etcd /health", func() bool {
		return httpOK(ctx, plain, etcdURL+"/health")
	}); err != nil {
		return nil, err
	}
	progress("etcd ready on %s", etcdURL)

	// kube-apiserver
	apiserver, err := start("kube-apiserver", filepath.Join(binDir, "kube-apiserver"), []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		// 1.37 refuses a loopback advertise address unless the endpoint reconciler is off.
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--tls-cert-file=" + c.pki.serverCert(),
		"--tls-private-key-file=" + c.pki.serverKey(),
		"--client-ca-file=" + c.pki.caCert(),
		"--service-account-key-file=" + c.pki.saPub(),
		"--service-account-signing-key-file=" + c.pki.saKey(),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=" + serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--profiling=false",
		"--cert-dir=" + filepath.Join(c.pki.dir, "kube-apiserver"),
		"--requestheader-client-ca-file=" + c.pki.frontProxyCA(),
		"--requestheader-allowed-names=" + frontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + c.pki.frontProxyCert(),
		"--proxy-client-key-file=" + c.pki.frontProxyKey(),
	}, env)
	if err != nil {
		return nil, err
	}
	cfg := c.RESTConfig()
	secure, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	secure.Timeout = 5 * time.Second
	if err := waitFor(ctx, apiserver, "kube-apiserver /readyz", func() bool {
		return httpOK(ctx, secure, c.server+"/readyz")
	}); err != nil {
		return nil, err
	}
	progress("kube-apiserver ready on %s", c.server)

	// kube-controller-manager, kube-scheduler and kwok
	cm, err := start("kube-controller-manager", filepath.Join(binDir, "kube-controller-manager"), []string{
		"--kubeconfig=" + kubeconfigs["kube-controller-manager"],
		"--authentication-kubeconfig=" + kubeconfigs["kube-controller-manager"],
		"--authorization-kubeconfig=" + kubeconfigs["kube-controller-manager"],
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(cmPort),
		"--cert-dir=" + filepath.Join(c.pki.dir, "kube-controller-manager"),
		"--leader-elect=false",
		// Every controller that is on by default: deployment, replicaset, garbage collector,
		// namespace, serviceaccount(-token), node lifecycle, job, endpointslice, ...
		"--controllers=*",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + c.pki.saKey(),
		"--root-ca-file=" + c.pki.caCert(),
		"--cluster-signing-cert-file=" + c.pki.caCert(),
		"--cluster-signing-key-file=" + c.pki.caKey(),
		"--service-cluster-ip-range=" + serviceCIDR,
		"--cluster-name=localcluster",
		"--kube-api-qps=100",
		"--kube-api-burst=200",
		"--profiling=false",
	}, env)
	if err != nil {
		return nil, err
	}
	sched, err := start("kube-scheduler", filepath.Join(binDir, "kube-scheduler"), []string{
		"--kubeconfig=" + kubeconfigs["kube-scheduler"],
		"--authentication-kubeconfig=" + kubeconfigs["kube-scheduler"],
		"--authorization-kubeconfig=" + kubeconfigs["kube-scheduler"],
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(schedPort),
		"--cert-dir=" + filepath.Join(c.pki.dir, "kube-scheduler"),
		"--leader-elect=false",
		"--profiling=false",
	}, env)
	if err != nil {
		return nil, err
	}
	// kwok would also read ~/.kwok/kwok.yaml; a HOME of its own keeps it to our configuration.
	kwokEnv := append(withoutEnv(env, "HOME"), "HOME="+filepath.Join(c.dir, "kwok-home"))
	kwok, err := start("kwok", kwokBin, []string{
		"--kubeconfig=" + kubeconfigs["kwok"],
		"--config=" + kwokConfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=",
		"--manage-nodes-with-label-selector=" + kwokNodeSelector,
		"--cidr=" + podCIDR,
		"--node-lease-duration-seconds=40",
	}, kwokEnv)
	if err != nil {
		return nil, err
	}
	insecure := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // self-signed serving certs of cm/scheduler
	}}
	defer insecure.CloseIdleConnections()
	if err := waitFor(ctx, cm, "kube-controller-manager /healthz", func() bool {
		return httpOK(ctx, insecure, "https://127.0.0.1:"+strconv.Itoa(cmPort)+"/healthz")
	}); err != nil {
		return nil, err
	}
	if err := waitFor(ctx, sched, "kube-scheduler /healthz", func() bool {
		return httpOK(ctx, insecure, "https://127.0.0.1:"+strconv.Itoa(schedPort)+"/healthz")
	}); err != nil {
		return nil, err
	}
	progress("kube-controller-manager and kube-scheduler healthy")

	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	version, err := cs.Discovery().ServerVersion()
	if err != nil {
		return nil, err
	}
	for i := range opts.Nodes {
		if _, err := cs.CoreV1().Nodes().Create(ctx, FakeNode(fmt.Sprintf("kwok-node-%d", i), version.GitVersion), metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create node: %w", err)
		}
	}
	if err := waitFor(ctx, kwok, fmt.Sprintf("the default ServiceAccount and %d Ready nodes", opts.Nodes), func() bool {
		if _, err := cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{}); err != nil {
			return false
		}
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: NodeLabel + "=" + NodeLabelValue})
		if err != nil {
			return false
		}
		ready := 0
		for _, n := range nodes.Items {
			if NodeReady(&n) {
				ready++
			}
		}
		return ready >= opts.Nodes
	}, cm, sched); err != nil {
		return nil, err
	}
	progress("default ServiceAccount exists and %d nodes are Ready", opts.Nodes)
	fmt.Fprintf(c.log, "localcluster: cluster %s up in %.1fs (kubeconfig %s, logs %s)\n", version.GitVersion, time.Since(began).Seconds(), c.kubeconfig, logDir)
	return c, nil
}

// Attach returns the cluster recorded in dir/state.json (started with Options.Detached, maybe by
// another process). Its Stop stops exactly the recorded processes that still run.
func Attach(dir string) (*Cluster, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	s, err := readState(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, kubeconfig: s.Kubeconfig, server: s.Server, pki: pki{dir: filepath.Join(dir, "pki")}, log: io.Discard}
	for _, p := range s.Processes {
		c.procs = append(c.procs, &proc{Process: p})
	}
	return c, nil
}

// Dir returns the cluster's directory (state, certificates, logs, kubeconfig).
func (c *Cluster) Dir() string { return c.dir }

// Kubeconfig returns the path of a kubeconfig file with cluster-admin (system:masters) rights.
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// Server returns the API server URL.
func (c *Cluster) Server() string { return c.server }

// RESTConfig returns a cluster-admin (system:masters) client configuration.
func (c *Cluster) RESTConfig() *rest.Config {
	return &rest.Config{
		Host: c.server,
		TLSClientConfig: rest.TLSClientConfig{
			CAFile:   c.pki.caCert(),
			CertFile: c.pki.clientCert("admin"),
			KeyFile:  c.pki.clientKey("admin"),
		},
		QPS:   100,
		Burst: 200,
	}
}

// Processes returns the control-plane processes in start order.
func (c *Cluster) Processes() []Process {
	out := make([]Process, 0, len(c.procs))
	for _, p := range c.procs {
		out = append(out, p.Process)
	}
	return out
}

// Ready reports whether every process runs and the API server answers /readyz.
func (c *Cluster) Ready(ctx context.Context) bool {
	if len(c.procs) == 0 {
		return false
	}
	for _, p := range c.procs {
		if p.exited() {
			return false
		}
	}
	hc, err := rest.HTTPClientFor(c.RESTConfig())
	if err != nil {
		return false
	}
	hc.Timeout = 3 * time.Second
	defer hc.CloseIdleConnections()
	return httpOK(ctx, hc, c.server+"/readyz")
}

// Stop stops the processes Start started (or Attach found), kwok, kube-scheduler and
// kube-controller-manager first, then kube-apiserver, then etcd: SIGTERM to each process group,
// SIGKILL after 10 s. It waits until they have exited and then removes state.json, and the whole
// directory if Start made it. Stop is idempotent.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		var first, apiserver, etcd []*proc
		for _, p := range c.procs {
			switch p.Name {
			case "etcd":
				etcd = append(etcd, p)
			case "kube-apiserver":
				apiserver = append(apiserver, p)
			default:
				first = append(first, p)
			}
		}
		c.stopErr = stopProcesses([][]*proc{first, apiserver, etcd}, 10*time.Second)
		if c.stopErr != nil || c.dir == "" {
			return
		}
		if c.ownsDir {
			c.stopErr = os.RemoveAll(c.dir)
		} else if err := os.Remove(filepath.Join(c.dir, stateFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			c.stopErr = err
		}
	})
	return c.stopErr
}

// FakeNode returns a kwok-managed node: label type=kwok, no taints, 32 CPUs, 256Gi memory and
// 110 pods allocatable. kubeletVersion is reported as the node's kubelet version (kwok's own
// version when empty).
func FakeNode(name, kubeletVersion string) *corev1.Node {
	res := corev1.ResourceList{}
	for k, v := range map[corev1.ResourceName]string{"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti"} {
		res[k] = resource.MustParse(v)
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				NodeLabel:                NodeLabelValue,
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"kubernetes.io/role":     "agent",
			},
			Annotations: map[string]string{
				// What kwok's own tooling puts on its nodes; kwok here selects by label.
				"kwok.x-k8s.io/node":           "fake",
				"node.alpha.kubernetes.io/ttl": "0",
			},
		},
		Status: corev1.NodeStatus{
			Capacity:    res,
			Allocatable: res.DeepCopy(),
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion:  kubeletVersion,
				OperatingSystem: "linux",
				Architecture:    "amd64",
			},
		},
	}
}

// NodeReady reports whether the node's Ready condition is True.
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitFor polls cond every 100 ms until it holds, ctx ends, or p (or one of also) exits; the
// error then carries the tail of the exited process's log.
func waitFor(ctx context.Context, p *proc, what string, cond func() bool, also ...*proc) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if cond() {
			return nil
		}
		for _, q := range append([]*proc{p}, also...) {
			if q.exited() {
				return fmt.Errorf("%s exited while waiting for %s; last lines of %s:\n%s", q.Name, what, q.Log, logTail(q.Log, 20))
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w; see the logs in %s", what, context.Cause(ctx), filepath.Dir(p.Log))
		case <-t.C:
		}
	}
}

func httpOK(ctx context.Context, hc *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func writeKubeconfig(path, server, ca, cert, key, user string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["localcluster"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: ca}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificate: cert, ClientKey: key}
	cfg.Contexts["localcluster"] = &clientcmdapi.Context{Cluster: "localcluster", AuthInfo: user}
	cfg.CurrentContext = "localcluster"
	return clientcmd.WriteToFile(*cfg, path)
}

// childEnv is the environment of the control-plane processes: this process's, without settings
// that would point them at another cluster.
func childEnv() []string {
	return withoutEnv(os.Environ(), "KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "ETCDCTL_ENDPOINTS")
}

func withoutEnv(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

func anyRunning(ps []Process) bool {
	for _, p := range ps {
		if p.Running() {
			return true
		}
	}
	return false
}

// Status is a summary of a cluster for humans (hack/localcluster status).
type Status struct {
	Dir        string          `json:"dir"`
	Server     string          `json:"server"`
	Kubeconfig string          `json:"kubeconfig"`
	Ready      bool            `json:"ready"`
	Processes  []ProcessStatus `json:"processes"`
}

// ProcessStatus is one process of Status.
type ProcessStatus struct {
	Name     string `json:"name"`
	PID      int    `json:"pid"`
	Running  bool   `json:"running"`
	RSSBytes int64  `json:"rssBytes"`
	Log      string `json:"log"`
}

// Status summarises the cluster.
func (c *Cluster) Status(ctx context.Context) Status {
	s := Status{Dir: c.dir, Server: c.server, Kubeconfig: c.kubeconfig, Ready: c.Ready(ctx)}
	for _, p := range c.procs {
		s.Processes = append(s.Processes, ProcessStatus{Name: p.Name, PID: p.PID, Running: !p.exited(), RSSBytes: p.RSSBytes(), Log: p.Log})
	}
	return s
}
