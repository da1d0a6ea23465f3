package mlservice

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRegistry(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    []Model
		wantErr string
	}{
		{
			name: "services become in-cluster URLs sorted by logical name",
			environ: []string{
				"KSERVE_PREDICTIVE_ANALYTICS_SERVICE=predictive-analytics-predictor",
				"KSERVE_ANOMALY_DETECTOR_SERVICE=anomaly-detector-predictor",
				"KSERVE_NAMESPACE=ml", "KSERVE_PREDICTOR_PORT=9090", "KSERVE_TIMEOUT=5s",
				"ENABLE_KSERVE_INTEGRATION=true", "PATH=/bin",
			},
			want: []Model{
				{Name: "anomaly-detector", ServerModel: "anomaly-detector", Service: "anomaly-detector-predictor", URL: "http://anomaly-detector-predictor.ml.svc:8080"},
				{Name: "predictive-analytics", ServerModel: "predictive-analytics", Service: "predictive-analytics-predictor", URL: "http://predictive-analytics-predictor.ml.svc:8080"},
			},
		},
		{
			name: "MODEL overrides the name on the predictor",
			environ: []string{
				"KSERVE_ANOMALY_DETECTOR_SERVICE=ad", "KSERVE_ANOMALY_DETECTOR_MODEL=isolation-forest",
			},
			want: []Model{{Name: "anomaly-detector", ServerModel: "isolation-forest", Service: "ad", URL: "http://ad.ml.svc:8080"}},
		},
		{
			name: "URL overrides the in-cluster address and alone declares a model",
			environ: []string{
				"KSERVE_ANOMALY_DETECTOR_SERVICE=ad", "KSERVE_ANOMALY_DETECTOR_URL=http://127.0.0.1:9000/",
				"KSERVE_FORECAST_URL=https://127.0.0.1:9001",
			},
			want: []Model{
				{Name: "anomaly-detector", ServerModel: "anomaly-detector", Service: "ad", URL: "http://127.0.0.1:9000"},
				{Name: "forecast", ServerModel: "forecast", URL: "https://127.0.0.1:9001"},
			},
		},
		{
			name:    "a later entry wins and empty values are unset",
			environ: []string{"KSERVE_A_SERVICE=old", "KSERVE_A_SERVICE=new", "KSERVE_B_SERVICE="},
			want:    []Model{{Name: "a", ServerModel: "a", Service: "new", URL: "http://new.ml.svc:8080"}},
		},
		{
			name:    "no models is an empty registry",
			environ: []string{"KSERVE_NAMESPACE=ml", "KSERVE_PREDICTOR_PORT=8080", "KSERVE_TIMEOUT=10s"},
		},
		{
			name:    "a bad service names its variable",
			environ: []string{"KSERVE_X_SERVICE=Not_A_Label"},
			wantErr: "KSERVE_X_SERVICE",
		},
		{
			name:    "a bad URL names its variable",
			environ: []string{"KSERVE_X_URL=ftp://host"},
			wantErr: "KSERVE_X_URL",
		},
		{
			name:    "a MODEL without SERVICE or URL names its variable",
			environ: []string{"KSERVE_X_MODEL=m"},
			wantErr: "KSERVE_X_MODEL",
		},
		{
			name:    "a malformed model name names its variable",
			environ: []string{"KSERVE_X__Y_SERVICE=s"},
			wantErr: "KSERVE_X__Y_SERVICE",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRegistry(tt.environ, "ml", 8080)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRegistry() error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRegistry() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Models); diff != "" {
				t.Errorf("ParseRegistry() models (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRegistrySettingsNeededByServices(t *testing.T) {
	env := []string{"KSERVE_X_SERVICE=x"}
	if _, err := ParseRegistry(env, "", 8080); err == nil || !strings.Contains(err.Error(), "KSERVE_NAMESPACE") {
		t.Errorf("ParseRegistry(no namespace) error = %v, want one naming KSERVE_NAMESPACE", err)
	}
	if _, err := ParseRegistry(env, "ml", 0); err == nil || !strings.Contains(err.Error(), "KSERVE_PREDICTOR_PORT") {
		t.Errorf("ParseRegistry(port 0) error = %v, want one naming KSERVE_PREDICTOR_PORT", err)
	}
	if _, err := ParseRegistry([]string{"KSERVE_X_URL=http://127.0.0.1:1"}, "", 0); err != nil {
		t.Errorf("ParseRegistry(URL only, no namespace) error = %v, want nil", err)
	}
}

func TestRegistryLookup(t *testing.T) {
	reg, err := ParseRegistry([]string{"KSERVE_B_SERVICE=b", "KSERVE_A_SERVICE=a"}, "ml", 8080)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, reg.Names()); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}
	if m, ok := reg.Lookup("b"); !ok || m.Service != "b" {
		t.Errorf("Lookup(b) = %v, %v, want service b", m, ok)
	}
	if _, ok := reg.Lookup("c"); ok {
		t.Errorf("Lookup(c) found a model, want none")
	}
}
