package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/anomaly"
	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/httpapi"
	"selfhealing.dev/coordination-engine/internal/intake"
	"selfhealing.dev/coordination-engine/internal/mlservice"
	"selfhealing.dev/coordination-engine/internal/promquery"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// registerModelMetrics exposes the circuit breakers of the models and the ML service as
// metrics.
func registerModelMetrics(reg prometheus.Registerer, models httpapi.Models, ml *mlservice.MLService) error {
	var endpoints []string
	if ml != nil {
		endpoints = append(endpoints, "ml_service")
	}
	if models != nil {
		for _, n := range models.Registry().Names() {
			endpoints = append(endpoints, "kserve/"+n)
		}
	}
	if len(endpoints) == 0 {
		return nil
	}
	return telemetry.RegisterBreakers(reg, endpoints, func(endpoint string) string {
		if endpoint == "ml_service" {
			return string(ml.BreakerState())
		}
		st, _ := models.BreakerState(strings.TrimPrefix(endpoint, "kserve/"))
		return string(st)
	})
}

// newMLService is the client of the Python ML service, or nil when ML_SERVICE_URL is not set.
func newMLService(cfg config.Options) *mlservice.MLService {
	if cfg.MLServiceURL == nil {
		return nil
	}
	return mlservice.NewMLService(strings.TrimSuffix(cfg.MLServiceURL.String(), "/"), mlservice.Options{Timeout: cfg.MLServiceTimeout})
}

// breakerOf is the ML service's breaker for /api/v1/health; a nil interface when there is none.
func breakerOf(ml *mlservice.MLService) httpapi.BreakerReporter {
	if ml == nil {
		return nil
	}
	return ml
}

// newAnomalyAnalysis builds the analysis: Prometheus when PROMETHEUS_URL is set, the model
// through KServe or the ML service when either is configured.
func newAnomalyAnalysis(cfg config.Options, models httpapi.Models, ml *mlservice.MLService, pods client.Reader,
	in *intake.Intake, tm *telemetry.Metrics) (*anomalyAnalysis, error) {
	a := &anomaly.Analyzer{Now: time.Now}
	if cfg.PrometheusURL != nil {
		prom, err := promquery.New(promquery.Options{URL: cfg.PrometheusURL.String(), TokenFile: cfg.PrometheusTokenFile,
			CAFile: cfg.PrometheusCAFile, Timeout: cfg.HTTPTimeout})
		if err != nil {
			return nil, fmt.Errorf("prometheus client: %w", err)
		}
		a.Prom = prom
	}
	if models != nil || ml != nil {
		a.Model = modelFlags{kserve: models, ml: ml}
	}
	return &anomalyAnalysis{analyzer: a, pods: pods, intake: in, metrics: tm}, nil
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
