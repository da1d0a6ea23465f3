package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/httpapi"
	"selfhealing.dev/coordination-engine/internal/mlservice"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// registerModelMetrics exposes the models' circuit breakers as metrics.
func registerModelMetrics(reg prometheus.Registerer, models httpapi.Models) error {
	if models == nil {
		return nil
	}
	names := models.Registry().Names()
	endpoints := make([]string, len(names))
	for i, n := range names {
		endpoints[i] = "kserve/" + n
	}
	return telemetry.RegisterBreakers(reg, endpoints, func(endpoint string) string {
		st, _ := models.BreakerState(strings.TrimPrefix(endpoint, "kserve/"))
		return string(st)
	})
}

// newModels is the KServe client for the configured models, or nil when the integration is off
// or no model is configured (the model endpoints then list none).
func newModels(cfg config.Options) httpapi.Models {
	if !cfg.KServeEnabled || len(cfg.KServeModels) == 0 {
		return nil
	}
	models := make([]mlservice.Model, 0, len(cfg.KServeModels))
	for _, m := range cfg.KServeModels {
		url := fmt.Sprintf("http://%s.%s.svc:%s", m.Service, cfg.KServeNamespace, strconv.Itoa(cfg.KServePredictorPort))
		if m.URL != nil {
			url = m.URL.String()
		}
		models = append(models, mlservice.Model{Name: m.Name, ServerModel: m.Model, Service: m.Service, URL: url})
	}
	return mlservice.NewKServe(mlservice.NewRegistry(models), mlservice.Options{Timeout: cfg.KServeTimeout})
}
