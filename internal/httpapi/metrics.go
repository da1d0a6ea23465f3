package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the HTTP request metric families, labelled by route pattern (bounded), never by
// raw path.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coordination_engine_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code."}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "coordination_engine_http_request_duration_seconds",
			Help:    "Seconds to serve an HTTP request, by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "coordination_engine_http_requests_in_flight",
			Help: "HTTP requests being served now."}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight)
	return m
}
