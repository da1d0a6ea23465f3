package retention

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/projection"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

func newClient(t *testing.T) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = v1alpha1.AddToScheme(s)
	c, err := client.New(env.Config, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// incidentIn creates an incident in phase, finished ago (ignored for active phases).
func incidentIn(t *testing.T, c client.Client, ns, name string, phase v1alpha1.IncidentPhase, ago time.Duration) *v1alpha1.Incident {
	t.Helper()
	inc := &v1alpha1.Incident{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.IncidentSpec{Title: name, Severity: v1alpha1.SeverityLow, Priority: 2, Source: v1alpha1.SourceManual}}
	if err := c.Create(t.Context(), inc); err != nil {
		t.Fatal(err)
	}
	inc.Status.Phase = phase
	if phase.Finished() {
		at := metav1.NewTime(time.Now().Add(-ago))
		inc.Status.CompletedAt = &at
	}
	if err := c.Status().Update(t.Context(), inc); err != nil {
		t.Fatal(err)
	}
	return inc
}

func TestPruneRemovesOnlyFinishedObjectsPastAgeOrCount(t *testing.T) {
	c := newClient(t)
	ns := "retention-test"
	if err := c.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	incidents := projection.New[*v1alpha1.Incident]()
	for _, inc := range []*v1alpha1.Incident{
		incidentIn(t, c, ns, "old-completed", v1alpha1.IncidentCompleted, 10*24*time.Hour),
		incidentIn(t, c, ns, "recent-completed", v1alpha1.IncidentCompleted, time.Hour),
		incidentIn(t, c, ns, "recent-failed", v1alpha1.IncidentFailed, 2*time.Hour),
		incidentIn(t, c, ns, "older-cancelled", v1alpha1.IncidentCancelled, 3*time.Hour),
		incidentIn(t, c, ns, "active-running", v1alpha1.IncidentRunning, 0),
		incidentIn(t, c, ns, "active-pending", v1alpha1.IncidentPending, 0),
	} {
		incidents.Upsert(inc)
	}
	workflows := projection.New[*v1alpha1.RemediationWorkflow]()
	wf := &v1alpha1.RemediationWorkflow{ObjectMeta: metav1.ObjectMeta{Name: "wf-old", Namespace: ns},
		Spec: v1alpha1.RemediationWorkflowSpec{IncidentRef: "old-completed", Issue: v1alpha1.Issue{Type: "pod_crash"},
			Source: v1alpha1.SourceManual, Priority: 5}}
	if err := c.Create(t.Context(), wf); err != nil {
		t.Fatal(err)
	}
	at := metav1.NewTime(time.Now().Add(-8 * 24 * time.Hour))
	wf.Status.Phase, wf.Status.CompletedAt = v1alpha1.WorkflowCompleted, &at
	if err := c.Status().Update(t.Context(), wf); err != nil {
		t.Fatal(err)
	}
	workflows.Upsert(wf)

	p := NewPruner(c, incidents, workflows, Policy{MaxAge: 7 * 24 * time.Hour, MaxCount: 2, Interval: time.Hour}, logr.Discard())
	n, err := p.Prune(t.Context())
	if err != nil {
		t.Fatalf("Prune() error = %v", err)
	}
	if n != 3 {
		t.Errorf("Prune() deleted %d, want 3 (old-completed by age, older-cancelled beyond the count, wf-old by age)", n)
	}
	var left v1alpha1.IncidentList
	if err := c.List(t.Context(), &left, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range left.Items {
		if i.DeletionTimestamp == nil {
			names = append(names, i.Name)
		}
	}
	slices.Sort(names)
	want := []string{"active-pending", "active-running", "recent-completed", "recent-failed"}
	if !slices.Equal(names, want) {
		t.Errorf("incidents left = %v, want %v", names, want)
	}
	var wfs v1alpha1.RemediationWorkflowList
	if err := c.List(t.Context(), &wfs, client.InNamespace(ns)); err != nil || len(wfs.Items) != 0 {
		t.Errorf("workflows left = %d (%v), want 0", len(wfs.Items), err)
	}

	t.Run("an object changed since it was read is not deleted", func(t *testing.T) {
		stale := incidentIn(t, c, ns, "reopened", v1alpha1.IncidentCompleted, 30*24*time.Hour)
		fresh := stale.DeepCopy()
		fresh.Status.Phase, fresh.Status.CompletedAt = v1alpha1.IncidentPending, nil
		if err := c.Status().Update(t.Context(), fresh); err != nil {
			t.Fatal(err)
		}
		idx := projection.New[*v1alpha1.Incident]()
		idx.Upsert(stale)
		p := NewPruner(c, idx, projection.New[*v1alpha1.RemediationWorkflow](), Policy{MaxAge: time.Hour, MaxCount: 10, Interval: time.Hour}, logr.Discard())
		if _, err := p.Prune(t.Context()); err != nil {
			t.Fatal(err)
		}
		var got v1alpha1.Incident
		if err := c.Get(t.Context(), client.ObjectKeyFromObject(stale), &got); err != nil {
			t.Errorf("the reopened incident was deleted: %v", err)
		}
	})
}
