package argocd_test

import (
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/internal/remediation/argocd"
)

// at10 is 10:30 UTC on a Wednesday, the tests' clock.
var at10 = time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC)

func window(kind, schedule, duration string, opts ...func(*argocd.SyncWindow)) argocd.SyncWindow {
	w := argocd.SyncWindow{Kind: kind, Schedule: schedule, Duration: duration, Applications: []string{"*"}}
	for _, o := range opts {
		o(&w)
	}
	return w
}

func manualSync(w *argocd.SyncWindow) { w.ManualSync = true }

func TestSyncAllowed(t *testing.T) {
	app := argocd.Application{Name: "web", Destination: argocd.Destination{Server: "https://kubernetes.default.svc", Namespace: "shop"}}
	tests := []struct {
		name    string
		windows []argocd.SyncWindow
		manual  bool
		want    bool
	}{
		{"no windows allow", nil, false, true},
		{"an active deny window blocks", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h")}, true, false},
		{"a deny window that is over allows", []argocd.SyncWindow{window("deny", "0 8 * * *", "1h")}, false, true},
		{"deny wins over an active allow", []argocd.SyncWindow{window("allow", "0 * * * *", "2h"), window("deny", "0 10 * * *", "1h")}, false, false},
		{"an active deny with manualSync lets a manual sync through", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h", manualSync)}, true, true},
		{"an active deny with manualSync still blocks auto-sync", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h", manualSync)}, false, false},
		{"manualSync must be on every active deny", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h", manualSync), window("deny", "0 9 * * *", "2h")}, true, false},
		{"an allow window that is not active blocks", []argocd.SyncWindow{window("allow", "0 22 * * *", "1h")}, false, false},
		{"an inactive allow with manualSync lets a manual sync through", []argocd.SyncWindow{window("allow", "0 22 * * *", "1h", manualSync)}, true, true},
		{"an active allow among inactive ones allows", []argocd.SyncWindow{window("allow", "0 22 * * *", "1h"), window("allow", "0 10 * * 3", "1h")}, false, true},
		{"a window for another application does not apply", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h", func(w *argocd.SyncWindow) { w.Applications = []string{"pay-*"} })}, false, true},
		{"a window selects by destination namespace", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h", func(w *argocd.SyncWindow) { w.Applications, w.Namespaces = nil, []string{"sh?p"} })}, false, false},
		{"a window selects by cluster server with a glob across slashes", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h", func(w *argocd.SyncWindow) { w.Applications, w.Clusters = nil, []string{"https://*"} })}, false, false},
		{"with the AND operator every selector must match", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h", func(w *argocd.SyncWindow) {
			w.Namespaces, w.AndOperator = []string{"other"}, true
		})}, false, true},
		{"a window's schedule is read in its time zone", []argocd.SyncWindow{window("deny", "0 11 * * *", "1h", func(w *argocd.SyncWindow) { w.TimeZone = "Europe/Paris" })}, false, false},
		{"a window with a time zone that does not cover now allows", []argocd.SyncWindow{window("deny", "0 10 * * *", "1h", func(w *argocd.SyncWindow) { w.TimeZone = "America/New_York" })}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, closed, err := argocd.SyncAllowed(tt.windows, app, tt.manual, at10)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || (closed == nil) != got {
				t.Errorf("SyncAllowed() = %v, %v; want %v", got, closed, tt.want)
			}
		})
	}
}

func TestSyncAllowedRefusesUnreadableWindows(t *testing.T) {
	for _, w := range []argocd.SyncWindow{window("deny", "@hourly", "1h"), window("deny", "0 10 * * *", "an hour")} {
		if _, _, err := argocd.SyncAllowed([]argocd.SyncWindow{w}, argocd.Application{Name: "web"}, true, at10); !errors.Is(err, argocd.ErrMalformed) {
			t.Errorf("SyncAllowed(%s) error = %v, want ErrMalformed", w, err)
		}
	}
}

func TestReadProjectReadsTheSyncWindowsOfARealAppProject(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
		"metadata": map[string]any{"namespace": ns, "name": "shop"},
		"spec": map[string]any{"syncWindows": []any{
			map[string]any{"kind": "deny", "schedule": "0 10 * * *", "duration": "1h", "applications": []any{"web"},
				"manualSync": true, "timeZone": "UTC", "description": "freeze"},
		}},
	}}
	if err := c.Create(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	p, err := argocd.ReadProject(t.Context(), c, ns, "shop")
	if err != nil {
		t.Fatal(err)
	}
	app := argocd.Application{Name: "web"}
	if ok, closed, err := argocd.SyncAllowed(p.SyncWindows, app, false, at10); ok || err != nil || closed.Description != "freeze" {
		t.Errorf("SyncAllowed(auto-sync) = %v, %v, %v; want blocked by the freeze", ok, closed, err)
	}
	if ok, _, err := argocd.SyncAllowed(p.SyncWindows, app, true, at10); !ok || err != nil {
		t.Errorf("SyncAllowed(manual) = %v, %v; want allowed by manualSync", ok, err)
	}
}
