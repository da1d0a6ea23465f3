package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"selfhealing.dev/coordination-engine/internal/config"
)

// clusterConfig finds the cluster to talk to: an explicit kubeconfig, else the in-cluster service
// account, else ~/.kube/config. It reports whether the engine runs inside a cluster.
func clusterConfig(kubeconfig string) (*rest.Config, bool, error) {
	if kubeconfig != "" {
		if _, err := os.Stat(kubeconfig); err != nil {
			return nil, false, &config.InvalidError{Variable: "KUBECONFIG", Value: kubeconfig,
				Accepted: "the path of a readable kubeconfig file (" + err.Error() + ")"}
		}
		c, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, false, &config.InvalidError{Variable: "KUBECONFIG", Value: kubeconfig,
				Accepted: "a valid kubeconfig file (" + err.Error() + ")"}
		}
		return c, false, nil
	}
	c, err := rest.InClusterConfig()
	if err == nil {
		return c, true, nil
	}
	if !errors.Is(err, rest.ErrNotInCluster) {
		return nil, false, fmt.Errorf("in-cluster configuration: %w", err)
	}
	home, _ := os.UserHomeDir()
	path := filepath.Join(home, ".kube", "config")
	if _, statErr := os.Stat(path); home == "" || statErr != nil {
		return nil, false, fmt.Errorf("%w: set KUBECONFIG (or --kubeconfig) to a kubeconfig file, run the engine "+
			"in a pod with a service account, or create ~/.kube/config; to start a local cluster run `make run`", config.ErrNoCluster)
	}
	c, err = clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, false, &config.InvalidError{Variable: "~/.kube/config", Value: path, Accepted: "a valid kubeconfig file (" + err.Error() + ")"}
	}
	return c, false, nil
}
