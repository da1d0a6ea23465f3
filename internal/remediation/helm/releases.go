package helm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/go-logr/logr"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Releases reads Helm release records from their Secret storage (Helm's default driver).
type Releases struct {
	clients kubernetes.Interface
	log     slog.Handler
	logr    logr.Logger
}

func (r *Releases) logger() logr.Logger { return r.logr }

// NewReleases returns a reader of the release records in any namespace cfg may read Secrets in.
func NewReleases(cfg *rest.Config, log logr.Logger) (*Releases, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("release storage: %w", err)
	}
	return &Releases{clients: cs, log: logr.ToSlogHandler(log), logr: log}, nil
}

// storage is the Secret storage of namespace.
func (r *Releases) storage(namespace string) *storage.Storage {
	d := driver.NewSecrets(r.clients.CoreV1().Secrets(namespace))
	d.SetLogger(r.log)
	return storage.Init(d)
}

// History returns every revision of release name in namespace, oldest first. It returns
// ErrReleaseNotFound when there is none. Helm's storage takes no context; ctx is checked first.
func (r *Releases) History(ctx context.Context, namespace, name string) ([]*release.Release, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return history(r.storage(namespace), namespace, name)
}

func history(s *storage.Storage, namespace, name string) ([]*release.Release, error) {
	list, err := s.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) || (err == nil && len(list) == 0) {
		return nil, fmt.Errorf("%w: %s/%s", ErrReleaseNotFound, namespace, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read Helm release %s/%s: %w", namespace, name, err)
	}
	out := make([]*release.Release, 0, len(list))
	for _, ri := range list {
		rel, ok := ri.(*release.Release)
		if !ok {
			return nil, fmt.Errorf("read Helm release %s/%s: record of type %T", namespace, name, ri)
		}
		out = append(out, rel)
	}
	slices.SortFunc(out, func(a, b *release.Release) int { return a.Version - b.Version })
	return out, nil
}

// LastGood is the newest revision below the latest that was deployed (status deployed or
// superseded), never a failed, pending or uninstalled one; nil when there is none. hist is
// oldest first.
func LastGood(hist []*release.Release) *release.Release {
	for i := len(hist) - 2; i >= 0; i-- {
		if wasDeployed(hist[i]) {
			return hist[i]
		}
	}
	return nil
}

// Deployed is the newest revision whose status is deployed (Helm's current one); nil when none.
func Deployed(hist []*release.Release) *release.Release {
	for i := len(hist) - 1; i >= 0; i-- {
		if status(hist[i]) == rcommon.StatusDeployed {
			return hist[i]
		}
	}
	return nil
}

func wasDeployed(r *release.Release) bool {
	s := status(r)
	return s == rcommon.StatusDeployed || s == rcommon.StatusSuperseded
}

func status(r *release.Release) rcommon.Status {
	if r.Info == nil {
		return rcommon.StatusUnknown
	}
	return r.Info.Status
}
