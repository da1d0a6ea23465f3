package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func post(ctx context.Context, url, body string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
}

func TestRecordsSurviveAnEngineKill(t *testing.T) {
	ctx := t.Context()
	ns := "engine-restart-test"
	cs := kubernetes.NewForConfigOrDie(env.Config)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The target exists but nothing runs its pods (envtest has no controllers): the workflow
	// acts and then stays in verification, active across the restart.
	target := "engine-restart-shop"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: target}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "web"}
	web := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: target, Name: "web"}, Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}}}}}
	if _, err := cs.AppsV1().Deployments(target).Create(ctx, web, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := env.KubeconfigFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	first := startEngine(t, "KUBECONFIG="+kubeconfig, "NAMESPACE="+ns)
	waitReady(t, first)

	var ids []string
	for i := range 5 {
		var c struct {
			IncidentID string `json:"incident_id"`
		}
		body := fmt.Sprintf(`{"title":"Incident %d survives","description":"created before the engine is killed","severity":"medium"}`, i)
		if code, err := post(ctx, first.apiURL+"/api/v1/incidents", body, &c); code != http.StatusCreated || err != nil {
			t.Fatalf("create = %d %v", code, err)
		}
		ids = append(ids, c.IncidentID)
	}
	var tr struct {
		WorkflowID string `json:"workflow_id"`
	}
	trigger := fmt.Sprintf(`{"incident_id":%q,"namespace":%q,"resource":{"kind":"Deployment","name":"web"},"issue":{"type":"pod_crash"}}`, ids[0], target)
	if code, err := post(ctx, first.apiURL+"/api/v1/remediation/trigger", trigger, &tr); code != http.StatusAccepted || err != nil {
		t.Fatalf("trigger = %d %v", code, err)
	}
	first.signal(syscall.SIGKILL)
	first.waitExit(5 * time.Second)

	second := startEngine(t, "KUBECONFIG="+kubeconfig, "NAMESPACE="+ns)
	waitReady(t, second)
	var list struct {
		Incidents []struct {
			ID         string `json:"id"`
			WorkflowID string `json:"workflow_id"`
		} `json:"incidents"`
	}
	if code, err := get(ctx, second.apiURL+"/api/v1/incidents?limit=1000", &list); code != http.StatusOK || err != nil {
		t.Fatalf("list = %d %v", code, err)
	}
	var got []string
	for _, inc := range list.Incidents {
		got = append(got, inc.ID)
		if inc.ID == ids[0] && inc.WorkflowID != tr.WorkflowID {
			t.Errorf("incident %s lost its workflow link: %q, want %q", inc.ID, inc.WorkflowID, tr.WorkflowID)
		}
	}
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("after the restart the incidents are %v, want %v", got, ids)
	}
	// The retried trigger after the restart still finds the same workflow.
	var again struct {
		WorkflowID string `json:"workflow_id"`
		Duplicate  bool   `json:"duplicate"`
	}
	if code, err := post(ctx, second.apiURL+"/api/v1/remediation/trigger", trigger, &again); code != http.StatusAccepted || err != nil ||
		again.WorkflowID != tr.WorkflowID || !again.Duplicate {
		t.Errorf("retry after restart = %d %+v %v, want workflow %s as a duplicate", code, again, err, tr.WorkflowID)
	}
	// The killed engine restarted web once; the new one resumes that workflow's verification
	// and restarts nothing again.
	time.Sleep(3 * time.Second)
	d, err := cs.AppsV1().Deployments(target).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Generation != 2 {
		t.Errorf("Deployment web generation after the restart = %d, want 2 (one restart)", d.Generation)
	}
}

func waitReady(t *testing.T, e *engine) {
	t.Helper()
	eventually(t, 20*time.Second, "/readyz 200", func() error {
		if code, err := get(t.Context(), e.apiURL+"/readyz", nil); code != http.StatusOK {
			return fmt.Errorf("code %d err %v", code, err)
		}
		return nil
	})
}
