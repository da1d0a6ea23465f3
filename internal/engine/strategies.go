package engine

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/gitrepo"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/remediation/argocd"
	"selfhealing.dev/coordination-engine/internal/remediation/flux"
	"selfhealing.dev/coordination-engine/internal/remediation/helm"
	"selfhealing.dev/coordination-engine/internal/remediation/operator"
	"selfhealing.dev/coordination-engine/internal/remediation/workload"
)

// strategies builds one strategy per deployment method. They read with the manager's API reader
// (uncached: the engine does not cache every workload) and change the cluster only through
// writer; the Argo CD strategy patches Applications with the manager's client, inside the
// writer's External.
func strategies(cfg config.Options, mgr manager.Manager, writer *guardrail.Writer, log logr.Logger) (map[managedby.Method]remediation.Strategy, *workload.Strategy, error) {
	ceiling, err := resource.ParseQuantity(cfg.MemoryLimitCeiling)
	if err != nil {
		return nil, nil, &config.InvalidError{Variable: "MEMORY_LIMIT_CEILING", Value: cfg.MemoryLimitCeiling, Accepted: "a Kubernetes quantity"}
	}
	mappings, err := operator.ParseMappings(cfg.OperatorFieldMappings)
	if err != nil {
		return nil, nil, &config.InvalidError{Variable: "OPERATOR_FIELD_MAPPINGS", Value: cfg.OperatorFieldMappings, Accepted: err.Error()}
	}
	reader := mgr.GetAPIReader()
	directOpts := workload.DefaultOptions()
	directOpts.MemoryFactor, directOpts.MemoryCeiling, directOpts.MaxReplicas = cfg.MemoryLimitFactor, ceiling, int32(cfg.MaxReplicas)
	direct := workload.New(reader, writer, directOpts, time.Now)
	viaOperator := operator.New(reader, writer, operator.Options{Mappings: mappings, MemoryFactor: cfg.MemoryLimitFactor,
		MemoryCeiling: ceiling, MaxReplicas: int32(cfg.MaxReplicas)}, time.Now)
	viaHelm, err := helm.New(mgr.GetConfig(), reader, writer, direct, helm.Options{PendingTimeout: cfg.HelmPendingTimeout,
		MaxReplicas: int32(cfg.MaxReplicas)}, log.WithName("helm"), time.Now)
	if err != nil {
		return nil, nil, fmt.Errorf("helm strategy: %w", err)
	}
	viaGit, err := argoCDStrategy(cfg, reader, mgr.GetClient(), writer, direct)
	if err != nil {
		return nil, nil, err
	}
	releases, err := helm.NewReleases(mgr.GetConfig(), log.WithName("flux"))
	if err != nil {
		return nil, nil, fmt.Errorf("flux strategy: %w", err)
	}
	return map[managedby.Method]remediation.Strategy{
		managedby.Manual: direct, managedby.Operator: viaOperator, managedby.Helm: viaHelm, managedby.ArgoCD: viaGit,
		managedby.Flux: flux.New(reader, writer, releases, direct),
	}, direct, nil
}

// applications reads Applications uncached and patches them with the manager's client.
type applications struct {
	client.Reader
	patcher client.Writer
}

// Patch patches obj.
func (a applications) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	return a.patcher.Patch(ctx, obj, patch, opts...)
}

func argoCDStrategy(cfg config.Options, reader client.Reader, c client.Client, writer *guardrail.Writer, direct *workload.Strategy) (*argocd.Strategy, error) {
	author, err := mail.ParseAddress(cfg.GitAuthor)
	if err != nil {
		return nil, &config.InvalidError{Variable: "GIT_AUTHOR", Value: cfg.GitAuthor, Accepted: "\"Name <email>\""}
	}
	var creds types.NamespacedName
	if cfg.GitCredentialsSecret != "" {
		creds = types.NamespacedName{Namespace: cfg.Namespace, Name: cfg.GitCredentialsSecret}
		if ns, name, ok := strings.Cut(cfg.GitCredentialsSecret, "/"); ok {
			creds = types.NamespacedName{Namespace: ns, Name: name}
		}
	}
	return argocd.New(reader, applications{Reader: reader, patcher: c}, writer, direct, argocd.Options{
		PushMode: cfg.GitPushMode, ReviewPrefix: cfg.GitReviewBranchPrefix, Credentials: creds,
		Author:  gitrepo.Signature{Name: author.Name, Email: author.Address},
		WorkDir: cfg.GitWorkDir, MaxReplicas: int32(cfg.MaxReplicas), ArgoCDNamespace: cfg.ArgoCDNamespace,
	}, time.Now), nil
}
