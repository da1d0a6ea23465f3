package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/testenv/localcluster"
)

// healingEngineNamespace is the namespace of the engine the healing tests run: its workflows,
// incidents and safety ConfigMap.
const healingEngineNamespace = "coordination-engine-e2e"

// startHealingEngine runs the engine binary against the local cluster with short verification
// times and a safety policy whose cluster budget fits every case of the run, and waits until it
// is ready. env adds settings.
func startHealingEngine(t *testing.T, c *localcluster.Cluster, env ...string) *engine {
	t.Helper()
	return startHealingEngineIn(t, c, healingEngineNamespace, env...)
}

// startHealingEngineIn is startHealingEngine with the engine's records in namespace
// healingEngineNamespace.
func startHealingEngineIn(t *testing.T, c *localcluster.Cluster, healingEngineNamespace string, env ...string) *engine {
	t.Helper()
	ctx := t.Context()
	cs := kubernetes.NewForConfigOrDie(c.RESTConfig())
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: healingEngineNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), healingEngineNamespace, metav1.DeleteOptions{})
	})
	// The default cluster budget (20 per hour) would do for one run; 100 leaves room for more
	// cases without making the run depend on their count.
	if _, err := cs.CoreV1().ConfigMaps(healingEngineNamespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "coordination-engine-safety"},
		Data:       map[string]string{"clusterBudget": "100", "namespaceBudget": "10"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, append([]string{"KUBECONFIG=" + c.Kubeconfig(), "NAMESPACE=" + healingEngineNamespace,
		"LEADER_ELECTION=false", "VERIFY_WINDOW=3s", "VERIFY_TIMEOUT=90s"}, env...)...)
	eventually(t, 60*time.Second, "the engine answers /readyz", func() error {
		code, err := get(ctx, e.apiURL+"/readyz", nil)
		if code != http.StatusOK {
			return fmt.Errorf("code %d err %v", code, err)
		}
		return nil
	})
	return e
}

// triggered is the 202 answer of POST /api/v1/remediation/trigger.
type triggered struct {
	WorkflowID       string `json:"workflow_id"`
	IncidentID       string `json:"incident_id"`
	DeploymentMethod string `json:"deployment_method"`
	Strategy         string `json:"strategy"`
	Change           *struct {
		Patch   string `json:"patch"`
		Diff    string `json:"diff"`
		Summary string `json:"summary"`
	} `json:"change"`
	Refusal *struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	} `json:"refusal"`
}

// workflow is GET /api/v1/workflows/{id}, the fields the tests read.
type workflow struct {
	ID               string `json:"id"`
	IncidentID       string `json:"incident_id"`
	Status           string `json:"status"`
	Reason           string `json:"reason"`
	Message          string `json:"message"`
	DeploymentMethod string `json:"deployment_method"`
	Strategy         string `json:"strategy"`
	Steps            []struct {
		Action string `json:"action"`
		Status string `json:"status"`
		Undone bool   `json:"undone"`
		Change *struct {
			Strategy string `json:"strategy"`
			Object   struct {
				Kind      string `json:"kind"`
				Namespace string `json:"namespace"`
				Name      string `json:"name"`
			} `json:"object"`
			Patch   string `json:"patch"`
			Summary string `json:"summary"`
		} `json:"change"`
	} `json:"steps"`
	Checkpoints []struct {
		Status string   `json:"status"`
		Checks []string `json:"checks"`
	} `json:"checkpoints"`
}

// trigger asks the engine to remediate a Deployment for an issue and returns its 202 answer.
func trigger(t *testing.T, e *engine, ns, name, issueType string) triggered {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"namespace": ns,
		"resource":  map[string]string{"kind": "Deployment", "name": name},
		"issue":     map[string]string{"type": issueType, "description": "e2e: " + t.Name()},
		"dry_run":   false,
	})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.apiURL+"/api/v1/remediation/trigger", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/v1/remediation/trigger = %d %s, want 202", resp.StatusCode, raw)
	}
	var tr triggered
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatalf("decode trigger answer %s: %v", raw, err)
	}
	if tr.WorkflowID == "" || tr.IncidentID == "" {
		t.Fatalf("trigger answer without workflow or incident: %s", raw)
	}
	t.Logf("triggered %s on %s/%s: %s", issueType, ns, name, raw)
	return tr
}

// waitFinished polls the workflow until it is completed, failed or cancelled (within 90 s) and
// returns it with the time it took from the call.
func waitFinished(t *testing.T, e *engine, id string) (workflow, time.Duration) {
	t.Helper()
	start := time.Now()
	var wf workflow
	waitUntil(t, 90*time.Second, "workflow "+id+" finished", func() error {
		wf = workflow{}
		code, err := get(t.Context(), e.apiURL+"/api/v1/workflows/"+id, &wf)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("GET workflow: %d %v", code, err)
		}
		switch wf.Status {
		case "completed", "failed", "cancelled":
			return nil
		}
		return fmt.Errorf("status %q reason %q: %s", wf.Status, wf.Reason, wf.Message)
	})
	return wf, time.Since(start)
}

// incidentBody is GET /api/v1/incidents/{id}, the fields the tests read.
type incidentBody struct {
	Status   string `json:"status"`
	Severity string `json:"severity"`
}

// getIncident returns the incident as GET /api/v1/incidents/{id} shows it.
func getIncident(t *testing.T, e *engine, id string) incidentBody {
	t.Helper()
	var inc incidentBody
	if code, err := get(t.Context(), e.apiURL+"/api/v1/incidents/"+id, &inc); err != nil || code != http.StatusOK {
		t.Fatalf("GET /api/v1/incidents/%s = %d %v", id, code, err)
	}
	return inc
}

// checkAnswerMatchesStep asserts that the change the trigger answer announced is the change the
// workflow recorded and made.
func checkAnswerMatchesStep(t *testing.T, tr triggered, wf workflow) {
	t.Helper()
	if tr.Change == nil || len(wf.Steps) == 0 || wf.Steps[0].Change == nil {
		return
	}
	if got, made := tr.Change.Summary, wf.Steps[0].Change.Summary; got != made {
		t.Errorf("the trigger answer announced a change other than the one made:\n answer: %s\n   made: %s", got, made)
	}
}

// checkRecovered asserts that the workflow completed as verified, with the deployment method,
// strategy and action, and that its incident is completed.
func checkRecovered(t *testing.T, e *engine, wf workflow, method, strategy, act string) {
	t.Helper()
	if wf.Status != "completed" || wf.Reason != "Recovered" {
		t.Fatalf("workflow %s = %s (%s: %s), want completed (Recovered)", wf.ID, wf.Status, wf.Reason, wf.Message)
	}
	if wf.DeploymentMethod != method || wf.Strategy != strategy {
		t.Errorf("workflow deployment_method/strategy = %s/%s, want %s/%s", wf.DeploymentMethod, wf.Strategy, method, strategy)
	}
	if len(wf.Steps) != 1 || wf.Steps[0].Action != act || wf.Steps[0].Status != "completed" || wf.Steps[0].Change == nil || wf.Steps[0].Undone {
		t.Errorf("workflow steps = %+v, want one completed %s step with its change, not undone", wf.Steps, act)
	}
	if len(wf.Checkpoints) != 1 || wf.Checkpoints[0].Status != "passed" {
		t.Errorf("workflow checkpoints = %+v, want one passed", wf.Checkpoints)
	}
	// The workflow is finished first and its incident resolved right after: two objects, two
	// writes.
	waitUntil(t, 10*time.Second, "incident "+wf.IncidentID+" completed", func() error {
		if inc := getIncident(t, e, wf.IncidentID); inc.Status != "completed" {
			return fmt.Errorf("status %q", inc.Status)
		}
		return nil
	})
}
