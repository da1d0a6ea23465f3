// Command localcluster runs a local Kubernetes control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok with fake nodes) on 127.0.0.1 in the
// background, for the demo and for trying the engine by hand:
//
//	hack/build-cluster-binaries.sh          # once; builds bin/k8s/v<version> and bin/kwok
//	go run ./hack/localcluster up [--dir .local/cluster] [--nodes 3]
//	export KUBECONFIG=$PWD/.local/cluster/kubeconfig
//	go run ./hack/localcluster status
//	go run ./hack/localcluster down
//
// up starts the processes in their own sessions, records them in <dir>/state.json, waits until
// the cluster is ready and exits; they keep running. up on a running cluster says so and exits 0.
// down stops exactly the recorded processes (a pid is signalled only while its /proc cmdline is
// the recorded one; SIGTERM, then SIGKILL after 10 s) and removes the directory. K8S_VERSION
// selects the binaries (bin/k8s/v$K8S_VERSION; default see localcluster.DefaultK8sVersion).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

const usage = `usage: go run ./hack/localcluster up|down|status [flags]

  up      start a detached local cluster and wait until it is ready
  down    stop the recorded processes and remove the directory
  status  show what runs

flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		newFlags("", stderr, new(options)).PrintDefaults()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	var o options
	fs := newFlags(cmd, stderr, &o)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "localcluster %s: unexpected arguments %q\n", cmd, fs.Args())
		return 2
	}
	if err := o.resolve(); err != nil {
		fmt.Fprintf(stderr, "localcluster: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "up":
		err = up(ctx, o, stdout, stderr)
	case "down":
		err = down(o, stdout)
	case "status":
		err = status(ctx, o, stdout)
	default:
		fmt.Fprintf(stderr, "localcluster: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "localcluster %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

type options struct {
	dir     string
	nodes   int
	binDir  string
	kwok    string
	timeout time.Duration
}

func newFlags(name string, out io.Writer, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.dir, "dir", "", "cluster directory (state, certificates, logs, kubeconfig); default <repo>/.local/cluster")
	fs.IntVar(&o.nodes, "nodes", 3, "number of fake kwok nodes (up)")
	fs.StringVar(&o.binDir, "bin-dir", "", "directory of etcd and kube-*; default <repo>/bin/k8s/v$K8S_VERSION")
	fs.StringVar(&o.kwok, "kwok", "", "kwok binary; default <repo>/bin/kwok")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long up waits for the cluster to be ready")
	return fs
}

func (o *options) resolve() error {
	if o.dir != "" && o.binDir != "" && o.kwok != "" {
		return nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := localcluster.FindRepoRoot(wd)
	if err != nil {
		return fmt.Errorf("run from inside the repository, or give --dir, --bin-dir and --kwok: %w", err)
	}
	if o.dir == "" {
		o.dir = filepath.Join(root, ".local", "cluster")
	}
	if o.binDir == "" {
		o.binDir = localcluster.DefaultBinDir(root)
	}
	if o.kwok == "" {
		o.kwok = filepath.Join(root, "bin", "kwok")
	}
	o.dir, err = filepath.Abs(o.dir)
	return err
}

func up(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if c, err := localcluster.Attach(o.dir); err == nil {
		if c.Ready(ctx) {
			fmt.Fprintf(stdout, "already up: %s\n", c.Server())
			printHint(stdout, c)
			return nil
		}
		fmt.Fprintf(stderr, "a cluster recorded in %s is not healthy; stopping what is left of it and starting afresh\n", o.dir)
		if err := c.Stop(); err != nil {
			return fmt.Errorf("stop the old cluster: %w", err)
		}
		if err := os.RemoveAll(o.dir); err != nil {
			return err
		}
	}
	opts := localcluster.Options{BinDir: o.binDir, KwokBinary: o.kwok, Dir: o.dir, Nodes: o.nodes, Log: stderr, Detached: true}
	if err := localcluster.CheckBinaries(opts); err != nil {
		build := "hack/build-cluster-binaries.sh"
		if v := os.Getenv("K8S_VERSION"); v != "" {
			build = "K8S_VERSION=" + v + " " + build
		}
		return fmt.Errorf("%w\nbuild them (from the repository root) with:\n  %s", err, build)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	c, err := localcluster.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "up: %s with %d nodes\n", c.Server(), o.nodes)
	printHint(stdout, c)
	return nil
}

func printHint(w io.Writer, c *localcluster.Cluster) {
	fmt.Fprintf(w, "kubeconfig: %s\n", c.Kubeconfig())
	fmt.Fprintf(w, "export KUBECONFIG=%s\n", c.Kubeconfig())
}

func down(o options, stdout io.Writer) error {
	c, err := localcluster.Attach(o.dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "not up (no %s)\n", filepath.Join(o.dir, "state.json"))
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.Stop(); err != nil {
		return err
	}
	if err := os.RemoveAll(o.dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "down: stopped %d processes, removed %s\n", len(c.Processes()), o.dir)
	return nil
}

func status(ctx context.Context, o options, stdout io.Writer) error {
	c, err := localcluster.Attach(o.dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "not up (no %s)\n", filepath.Join(o.dir, "state.json"))
		return nil
	}
	if err != nil {
		return err
	}
	s := c.Status(ctx)
	state := "NOT READY"
	if s.Ready {
		state = "ready"
	}
	fmt.Fprintf(stdout, "cluster %s: %s\nkubeconfig: %s\n", s.Server, state, s.Kubeconfig)
	var total int64
	for _, p := range s.Processes {
		run := "running"
		if !p.Running {
			run = "EXITED"
		}
		total += p.RSSBytes
		fmt.Fprintf(stdout, "  %-24s pid %-7d %-8s rss %4d MiB  log %s\n", p.Name, p.PID, run, p.RSSBytes>>20, p.Log)
	}
	fmt.Fprintf(stdout, "  total rss %d MiB\n", total>>20)
	return nil
}
