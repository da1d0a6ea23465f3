package platform

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
)

// Discoverer finds out what the cluster is and keeps the last answer.
type Discoverer struct {
	discovery discovery.DiscoveryInterface
	dynamic   dynamic.Interface
	log       logr.Logger
	now       func() time.Time

	mu      sync.RWMutex
	current Info
	known   bool
	lastErr error
}

// NewDiscoverer returns a Discoverer that asks the cluster through these clients.
func NewDiscoverer(d discovery.DiscoveryInterface, dyn dynamic.Interface, log logr.Logger) *Discoverer {
	return &Discoverer{discovery: d, dynamic: dyn, log: log, now: time.Now}
}

// Current returns the last successful discovery and whether there has been one, plus the error
// of the last attempt (nil when it succeeded).
func (d *Discoverer) Current() (Info, bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.current, d.known, d.lastErr
}

// Discover asks the cluster now, stores and returns the result. A failed attempt keeps the
// previous result and records the error.
func (d *Discoverer) Discover(ctx context.Context) (Info, error) {
	info, err := d.discover(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lastErr = err
	if err != nil {
		return d.current, err
	}
	if !d.known || d.current.Platform != info.Platform || d.current.OpenShiftVersion != info.OpenShiftVersion ||
		d.current.KubernetesVersion != info.KubernetesVersion {
		d.log.Info("Discovered platform", "platform", info.Platform, "kubernetesVersion", info.KubernetesVersion,
			"openshiftVersion", info.OpenShiftVersion, "supported", info.Supported, "apis", info.APIs)
	}
	d.current, d.known = info, true
	return info, nil
}

func (d *Discoverer) discover(ctx context.Context) (Info, error) {
	sv, err := d.discovery.ServerVersion()
	if err != nil {
		return Info{}, fmt.Errorf("server version: %w", err)
	}
	info := Info{Platform: Kubernetes, KubernetesVersion: sv.GitVersion, APIs: map[string]bool{}, DiscoveredAt: d.now().UTC()}

	_, lists, err := d.discovery.ServerGroupsAndResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return Info{}, fmt.Errorf("api discovery: %w", err)
	}
	served := map[string]bool{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			served[l.GroupVersion+"/"+r.Name] = true
		}
	}
	for _, api := range OptionalAPIs {
		info.APIs[api.Name] = served[api.Resource.GroupVersion().String()+"/"+api.Resource.Resource]
	}
	if served[clusterVersions.GroupVersion().String()+"/"+clusterVersions.Resource] {
		if err := d.readClusterVersion(ctx, &info); err != nil {
			return Info{}, err
		}
	}
	info.Supported, info.SupportMessage = support(info)
	return info, nil
}

// readClusterVersion fills the OpenShift fields from the ClusterVersion "version". The current
// version is the newest Completed entry of status.history; while an update runs, the desired
// version is the one it heads to.
func (d *Discoverer) readClusterVersion(ctx context.Context, info *Info) error {
	cv, err := d.dynamic.Resource(clusterVersions).Get(ctx, "version", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get clusterversion version: %w", err)
	}
	info.Platform = OpenShift
	desired, _, _ := unstructured.NestedString(cv.Object, "status", "desired", "version")
	history, _, _ := unstructured.NestedSlice(cv.Object, "status", "history")
	for _, h := range history {
		entry, _ := h.(map[string]any)
		if state, _ := entry["state"].(string); state == "Completed" {
			info.OpenShiftVersion, _ = entry["version"].(string)
			break
		}
	}
	if info.OpenShiftVersion == "" {
		info.OpenShiftVersion = desired
	}
	conditions, _, _ := unstructured.NestedSlice(cv.Object, "status", "conditions")
	for _, c := range conditions {
		cond, _ := c.(map[string]any)
		if cond["type"] == "Progressing" && cond["status"] == "True" {
			info.Upgrading = true
		}
	}
	if info.Upgrading && desired != info.OpenShiftVersion {
		info.OpenShiftDesiredVersion = desired
	}
	if info.OpenShiftVersion == "" {
		return errors.New("clusterversion version has no status.desired.version nor a completed history entry")
	}
	return nil
}
