package engine

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/health"
	"selfhealing.dev/coordination-engine/internal/platform"
)

// Dependency names, as /api/v1/health reports them.
const (
	depKubernetes = "kubernetes"
	depMLService  = "ml_service"
	depKServe     = "kserve"
	depArgoCD     = "argocd"
	depPrometheus = "prometheus"
)

// registerDependencyChecks registers one check per dependency; unconfigured ones report disabled.
func registerDependencyChecks(m *health.Monitor, cfg config.Options, kube rest.Interface, d *platform.Discoverer) {
	client := &http.Client{Timeout: cfg.HTTPTimeout}
	m.Register(depKubernetes, health.KubernetesCheck(kube))

	if cfg.MLServiceURL == nil {
		m.RegisterDisabled(depMLService, "ML_SERVICE_URL is not set; deterministic rules only")
	} else {
		m.Register(depMLService, health.HTTPCheck(client, strings.TrimSuffix(cfg.MLServiceURL.String(), "/")+"/health"))
	}

	switch {
	case !cfg.KServeEnabled:
		m.RegisterDisabled(depKServe, "ENABLE_KSERVE_INTEGRATION is false")
	case len(cfg.KServeModels) == 0:
		m.Register(depKServe, func(context.Context) health.Result {
			return health.Result{Status: health.Degraded, Message: "KServe is enabled but no KSERVE_<NAME>_SERVICE is set"}
		})
	default:
		parts := map[string]health.CheckFunc{}
		kc := &http.Client{Timeout: cfg.KServeTimeout}
		for _, model := range cfg.KServeModels {
			parts[model.Name] = health.HTTPCheck(kc, kserveBaseURL(cfg, model)+"/v1/models/"+model.Model)
		}
		m.Register(depKServe, health.AllOf(parts))
	}

	if cfg.ArgoCDAPIURL != nil {
		m.Register(depArgoCD, health.HTTPCheck(client, strings.TrimSuffix(cfg.ArgoCDAPIURL.String(), "/")+"/healthz"))
	} else {
		m.Register(depArgoCD, func(context.Context) health.Result {
			if info, ok, _ := d.Current(); ok && info.Serves("argocd_applications") {
				return health.Result{Status: health.OK, Message: "Argo CD Applications API is served; ARGOCD_API_URL is not set"}
			}
			return health.Result{Status: health.Disabled, Message: "no Argo CD Applications API in the cluster and no ARGOCD_API_URL"}
		})
	}

	if cfg.PrometheusURL == nil {
		m.RegisterDisabled(depPrometheus, "PROMETHEUS_URL is not set; Prometheus-backed analytics are off")
	} else {
		m.Register(depPrometheus, health.HTTPCheck(client, strings.TrimSuffix(cfg.PrometheusURL.String(), "/")+"/-/ready"))
	}
}

// kserveBaseURL is a model's predictor base URL: KSERVE_<NAME>_URL, else the in-cluster Service.
func kserveBaseURL(cfg config.Options, m config.KServeModel) string {
	if m.URL != nil {
		return strings.TrimSuffix(m.URL.String(), "/")
	}
	return fmt.Sprintf("http://%s.%s.svc:%s", m.Service, cfg.KServeNamespace, strconv.Itoa(cfg.KServePredictorPort))
}

// runHealthLoop refreshes every dependency check periodically, keeping /health's cache and the
// status metrics current.
func (c *components) runHealthLoop(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	var lastPlatform string
	for {
		results := c.monitor.Check(ctx)
		up := 0.0
		if results[depKubernetes].Status == health.OK {
			up = 1
		}
		c.telemetry.Status.Set(up)
		for name, r := range results {
			switch r.Status {
			case health.OK:
				c.telemetry.DependencyUp.WithLabelValues(name).Set(1)
			case health.Disabled, health.Unknown:
				c.telemetry.DependencyUp.DeleteLabelValues(name)
			default:
				c.telemetry.DependencyUp.WithLabelValues(name).Set(0)
			}
		}
		if info, ok, _ := c.discoverer.Current(); ok && info.Platform+platformVersion(info) != lastPlatform {
			lastPlatform = info.Platform + platformVersion(info)
			c.telemetry.SetPlatform(info.Platform, platformVersion(info))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// checkPermissions runs the RBAC self-check once, logging what is missing.
func (c *components) checkPermissions(ctx context.Context) error {
	r, err := c.permissions.Check(ctx, c.needed)
	if err == nil && len(r.Missing) > 0 {
		c.log.Info("Missing permissions; the features that need them are degraded", "missing", r.Missing)
	}
	return err
}
