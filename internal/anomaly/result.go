package anomaly

// Result is the answer of POST /api/v1/anomalies/analyze (contract §4).
type Result struct {
	// Status is "success", or "degraded" when the model or Prometheus could not be used.
	Status            string    `json:"status"`
	AnomaliesDetected int       `json:"anomalies_detected"`
	TimeRange         string    `json:"time_range"`
	Threshold         float64   `json:"threshold"`
	Anomalies         []Anomaly `json:"anomalies"`
	Recommendations   []string  `json:"recommendations"`
	Alerts            []Alert   `json:"alerts"`
	Summary           Summary   `json:"summary"`
	AnalyzedAt        string    `json:"analyzed_at"`
	// Degraded says why the analysis is degraded: the model or Prometheus was unavailable or is
	// not configured.
	Degraded []string `json:"degraded_reasons"`
	// Warnings are what else limits the analysis: metrics without data (the model saw zeros
	// for them), a metric Prometheus could not evaluate.
	Warnings []string `json:"warnings"`
	// Incidents are the AI-driven incidents the anomalies opened or updated.
	Incidents []IncidentRef `json:"incidents"`
}

// Anomaly is one metric at one minute whose score reached the threshold.
type Anomaly struct {
	Metric string `json:"metric"`
	// Type is "spike" (above the median) or "drop".
	Type string `json:"type"`
	// Severity is critical (score ≥ 0.9), high (≥ 0.8) or medium.
	Severity     string  `json:"severity"`
	AnomalyScore float64 `json:"anomaly_score"`
	Confidence   float64 `json:"confidence"`
	Timestamp    string  `json:"timestamp"`
	Value        float64 `json:"value"`
	// ExpectedMin and ExpectedMax bound the values whose robust z-score stays within 3.5.
	ExpectedMin float64 `json:"expected_min"`
	ExpectedMax float64 `json:"expected_max"`
	// Model is the model that flagged the minute, or "statistical".
	Model string `json:"model"`
	// Metrics are the metric's nine model features at that minute.
	Metrics           map[string]float64 `json:"metrics"`
	Explanation       string             `json:"explanation"`
	RecommendedAction string             `json:"recommended_action"`
	// Current says the minute is among the last five of the window: the anomaly is ongoing.
	Current bool `json:"current"`
}

// Alert is a critical anomaly someone should see.
type Alert struct {
	Type           string `json:"type"`
	Message        string `json:"message"`
	Severity       string `json:"severity"`
	ActionRequired bool   `json:"action_required"`
}

// Summary counts what was analysed and found.
type Summary struct {
	TotalMetricsAnalyzed int            `json:"total_metrics_analyzed"`
	AnomaliesFound       int            `json:"anomalies_found"`
	ModelsUsed           []string       `json:"models_used"`
	BySeverity           map[string]int `json:"by_severity"`
}

// IncidentRef is an incident an anomaly led to.
type IncidentRef struct {
	Metric     string `json:"metric"`
	IncidentID string `json:"incident_id"`
	Action     string `json:"action"`
	WorkflowID string `json:"workflow_id,omitempty"`
	Note       string `json:"note,omitempty"`
}
