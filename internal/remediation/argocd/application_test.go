package argocd_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/remediation/argocd"
)

func fromJSON(t testing.TB, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(s), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseApplication(t *testing.T) {
	started := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want argocd.Application
	}{
		{
			name: "a Helm source with value files, parameters, auto-sync and a finished operation is read whole",
			in: `{"metadata":{"namespace":"argocd","name":"web","generation":3,"resourceVersion":"7"},
			"spec":{"project":"shop","source":{"repoURL":"` + repoURL + `","path":"charts/web",
			  "helm":{"valueFiles":["values.yaml","values-prod.yaml"],"parameters":[{"name":"replicas","value":"3"}],"valuesObject":{"a":1}}},
			  "destination":{"name":"prod","namespace":"shop"},
			  "syncPolicy":{"automated":{"prune":true},"syncOptions":["ServerSideApply=true"]}},
			"status":{"sync":{"status":"Synced","revision":"` + commit + `"},"health":{"status":"Progressing","message":"rolling"},
			  "reconciledAt":"2026-03-01T10:00:00Z",
			  "operationState":{"phase":"Succeeded","message":"ok","startedAt":"2026-03-01T10:00:00Z",
			    "operation":{"initiatedBy":{"automated":true},"sync":{"revision":"HEAD"}},"syncResult":{"revision":"` + commit + `"}},
			  "history":[{"id":4,"revision":"` + older + `","deployedAt":"2026-03-01T10:00:00Z"}]}}`,
			want: argocd.Application{
				Namespace: "argocd", Name: "web", Generation: 3, ResourceVersion: "7", Project: "shop",
				Sources: []argocd.Source{{
					RepoURL: repoURL, Path: "charts/web", TargetRevision: "HEAD", Type: argocd.SourceHelm,
					Helm: &argocd.Helm{
						ValueFiles: []string{"values.yaml", "values-prod.yaml"},
						Parameters: []argocd.HelmParameter{{Name: "replicas", Value: "3"}}, ValuesObject: map[string]any{"a": float64(1)},
					},
				}},
				Destination: argocd.Destination{Name: "prod", Namespace: "shop"},
				SyncPolicy:  argocd.SyncPolicy{Automated: true, Prune: true, SyncOptions: []string{"ServerSideApply=true"}},
				Status: argocd.Status{
					SyncStatus: "Synced", Revision: commit, Health: "Progressing", HealthMessage: "rolling", ReconciledAt: started,
					OperationState: &argocd.OperationState{
						Phase: "Succeeded", Message: "ok", StartedAt: started, SyncRevision: commit,
						Operation: argocd.Operation{Automated: true, Sync: true, Revision: "HEAD"},
					},
					History: []argocd.Deployment{{ID: 4, Revision: older, DeployedAt: started}},
				},
			},
		},
		{
			name: "automated with enabled false is not auto-sync, and a requested operation is read",
			in: `{"metadata":{"name":"web"},"spec":{"source":{"repoURL":"r","path":"p","kustomize":{}},
			  "syncPolicy":{"automated":{"enabled":false}}},"operation":{"initiatedBy":{"username":"alice"},"sync":{"revision":"main"}}}`,
			want: argocd.Application{
				Name: "web", Project: "default",
				Sources:   []argocd.Source{{RepoURL: "r", Path: "p", TargetRevision: "HEAD", Type: argocd.SourceKustomize}},
				Operation: &argocd.Operation{Username: "alice", Sync: true, Revision: "main"},
			},
		},
		{
			name: "several sources are read in order",
			in: `{"metadata":{"name":"web"},"spec":{"sources":[{"repoURL":"charts","chart":"web","targetRevision":"1.2.3","helm":{"valueFiles":["$values/web.yaml"]}},
			  {"repoURL":"r","ref":"values"},{"repoURL":"r","path":"extra","directory":{"recurse":true,"include":"*.yaml"}}]}}`,
			want: argocd.Application{
				Name: "web", Project: "default", MultiSource: true,
				Sources: []argocd.Source{
					{RepoURL: "charts", Chart: "web", TargetRevision: "1.2.3", Type: argocd.SourceHelm, Helm: &argocd.Helm{ValueFiles: []string{"$values/web.yaml"}}},
					{RepoURL: "r", Ref: "values", TargetRevision: "HEAD"},
					{RepoURL: "r", Path: "extra", TargetRevision: "HEAD", Type: argocd.SourceDirectory, Directory: &argocd.Directory{Recurse: true, Include: "*.yaml"}},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := argocd.ParseApplication(fromJSON(t, tt.in))
			if err != nil {
				t.Fatalf("ParseApplication() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseApplication() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseApplicationRefusesWrongTypes(t *testing.T) {
	for _, in := range []string{
		`{"spec":"x"}`,
		`{"spec":{"source":{"repoURL":5}}}`,
		`{"spec":{"sources":[1]}}`,
		`{"spec":{"source":{"helm":{"valueFiles":"values.yaml"}}}}`,
		`{"spec":{"syncPolicy":{"automated":{"enabled":"yes"}}}}`,
		`{"metadata":{"generation":"3"}}`,
		`{"status":{"reconciledAt":"yesterday"}}`,
		`{"status":{"operationState":{"phase":["Running"]}}}`,
		`{"status":{"history":[{"id":"one"}]}}`,
	} {
		t.Run(in, func(t *testing.T) {
			_, err := argocd.ParseApplication(fromJSON(t, in))
			if !errors.Is(err, argocd.ErrMalformed) {
				t.Errorf("ParseApplication(%s) error = %v, want ErrMalformed", in, err)
			}
		})
	}
}

func TestEditableSource(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantPath  string
		wantIndex int
	}{
		{"one source with a path is edited", `{"spec":{"source":{"repoURL":"r","path":"apps/web"}}}`, "apps/web", 0},
		{"the one source with a path among a chart and a ref is edited",
			`{"spec":{"sources":[{"repoURL":"c","chart":"web"},{"repoURL":"r","ref":"v"},{"repoURL":"r","path":"apps/web"}]}}`, "apps/web", 2},
		{"a chart from a Helm repository is refused", `{"spec":{"source":{"repoURL":"https://charts.example.test","chart":"web"}}}`, "", -1},
		{"two sources with a path are refused", `{"spec":{"sources":[{"repoURL":"r","path":"a"},{"repoURL":"r","path":"b"}]}}`, "", -1},
		{"a plugin is refused", `{"spec":{"source":{"repoURL":"r","path":"a","plugin":{"name":"cdk8s"}}}}`, "", -1},
		{"a source hydrator is refused", `{"spec":{"sourceHydrator":{"drySource":{"repoURL":"r","path":"a"}}}}`, "", -1},
		{"no source is refused", `{"spec":{}}`, "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := argocd.ParseApplication(fromJSON(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, index, err := app.EditableSource()
			if tt.wantIndex < 0 {
				var refusal *action.Refusal
				if !errors.As(err, &refusal) || refusal.Reason != v1alpha1.ReasonSourceUnsupported || refusal.Retryable {
					t.Fatalf("EditableSource() error = %v, want a final %s refusal", err, v1alpha1.ReasonSourceUnsupported)
				}
				return
			}
			if err != nil || got.Path != tt.wantPath || index != tt.wantIndex {
				t.Errorf("EditableSource() = %q, %d, %v; want %q, %d", got.Path, index, err, tt.wantPath, tt.wantIndex)
			}
		})
	}
}

func TestHelmOverrides(t *testing.T) {
	tests := []struct {
		name string
		helm *argocd.Helm
		want bool
	}{
		{"no Helm options override nothing", nil, false},
		{"value files alone override nothing", &argocd.Helm{ValueFiles: []string{"values.yaml"}}, false},
		{"parameters override value files", &argocd.Helm{Parameters: []argocd.HelmParameter{{Name: "a"}}}, true},
		{"inline values override value files", &argocd.Helm{Values: "a: 1"}, true},
		{"a values object overrides value files", &argocd.Helm{ValuesObject: map[string]any{"a": 1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.helm.Overrides(); got != tt.want {
				t.Errorf("Overrides() = %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzParseApplication feeds arbitrary JSON to the parser and to everything that reads its
// result: nothing may panic.
func FuzzParseApplication(f *testing.F) {
	f.Add(`{"spec":{"source":{"repoURL":"r","path":"p","helm":{"parameters":[{"name":"a"}]}}},"operation":{"sync":{}}}`)
	f.Add(`{"spec":{"sources":[{"path":"a"},{"path":"b"}]},"status":{"sync":{"revisions":["x"]},"history":[{"revisions":[]}]}}`)
	f.Add(`{"status":{"operationState":{"phase":"Failed","syncResult":{"revision":"abc"}}}}`)
	f.Add(`{"spec":{"syncPolicy":{"automated":null,"retry":{"limit":1}}},"metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"}}`)
	f.Fuzz(func(t *testing.T, in string) {
		u := &unstructured.Unstructured{}
		if json.Unmarshal([]byte(in), &u.Object) != nil {
			return
		}
		app, err := argocd.ParseApplication(u)
		if err != nil {
			if !errors.Is(err, argocd.ErrMalformed) {
				t.Fatalf("ParseApplication() error = %v, want ErrMalformed", err)
			}
			return
		}
		_, index, _ := app.EditableSource()
		_ = app.Running()
		_, _ = argocd.PlanSync(app, nil, argocd.Want{Source: index, Reason: "fuzz"}, time.Unix(0, 0))
		_, _ = argocd.Follow(t.Context(), app, argocd.Rollout{Commit: commit, Source: index,
			Contains: func(_ context.Context, rev string) (bool, error) { return rev == commit, nil }})
	})
}
