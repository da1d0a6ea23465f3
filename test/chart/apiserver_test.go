package chart

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/permissions"
	"selfhealing.dev/coordination-engine/internal/telemetry"
	"selfhealing.dev/coordination-engine/internal/testenv"
)

// apply creates the rendered objects of kinds as the admin.
func apply(t *testing.T, objs Objects, kinds ...string) {
	t.Helper()
	c := env.Client(t)
	for _, u := range objs {
		if !slices.Contains(kinds, u.GetKind()) {
			continue
		}
		if err := c.Create(t.Context(), u.DeepCopy()); err != nil {
			t.Fatalf("create %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
}

// The chart's RBAC, applied alone to a real API server that authorizes with RBAC, gives the
// engine's ServiceAccount every permission the engine checks for and nothing more; the engine,
// run in-process as that ServiceAccount with the chart's environment, serves callers the chart's
// api-writer Role admits and remediates a Deployment to the end, and exports every metric the
// chart's alerts and dashboard ask for.
func TestChartRBACOnARealAPIServer(t *testing.T) {
	ml := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	t.Cleanup(ml.Close)
	values := with(with(adr038Block(), "replicas", 2), "mlService.url", ml.URL)
	values = with(values, "apiAuth", map[string]any{"mode": "kubernetes",
		"writers": []any{map[string]any{"kind": "ServiceAccount", "name": "mcp-server", "namespace": releaseNamespace}}})
	values = with(values, "extraEnv", []any{map[string]any{"name": "VERIFY_WINDOW", "value": "1s"}})
	objs := render(t, values)

	ctx := t.Context()
	admin := kubernetes.NewForConfigOrDie(env.Config)
	for _, ns := range []string{releaseNamespace, "shop"} {
		if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	apply(t, objs, "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
	engineToken := testenv.MintToken(t, admin, releaseNamespace, Name)
	sa := kubernetes.NewForConfigOrDie(tokenConfig(engineToken))

	t.Run("the ServiceAccount holds every permission the engine uses", func(t *testing.T) {
		reqs := permissions.Requirements()
		r, err := permissions.NewChecker(sa.AuthorizationV1().SelfSubjectAccessReviews(), releaseNamespace).Check(t.Context(), reqs)
		if err != nil {
			t.Fatal(err)
		}
		if r.Checked != len(reqs) || len(r.Missing) != 0 {
			t.Errorf("Check(the chart's ServiceAccount) checked %d of %d, missing %+v", r.Checked, len(reqs), r.Missing)
		}
	})

	t.Run("and is refused what the chart does not grant", func(t *testing.T) {
		if err := sa.AppsV1().Deployments("shop").Delete(t.Context(), "anything", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("delete a Deployment as the engine = %v, want Forbidden", err)
		}
		if _, err := sa.CoreV1().ConfigMaps("shop").List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("list ConfigMaps outside the release namespace = %v, want Forbidden (the Role grants them only there)", err)
		}
		if _, err := sa.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "not-allowed"}}, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("create a Namespace as the engine = %v, want Forbidden", err)
		}
		none := permissions.NewChecker(kubernetes.NewForConfigOrDie(tokenConfig("not-a-token")).AuthorizationV1().SelfSubjectAccessReviews(), releaseNamespace)
		if _, err := none.Check(t.Context(), permissions.Requirements()[:1]); !apierrors.IsUnauthorized(err) {
			t.Errorf("Check with a made-up token = %v, want Unauthorized (authentication is on)", err)
		}
	})

	t.Run("the engine runs as the ServiceAccount and remediates", func(t *testing.T) {
		apply(t, objs, "ConfigMap")
		if _, err := admin.CoreV1().ServiceAccounts(releaseNamespace).Create(t.Context(),
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "mcp-server"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.AppsV1().Deployments("shop").Create(t.Context(), webDeployment("shop"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		playDeployments(t, admin, "shop")
		e := startEngine(t, deployment(t, objs), env.TokenKubeconfig(t, t.TempDir(), engineToken))

		trigger := `{"namespace":"shop","resource":{"kind":"Deployment","name":"web"},"issue":{"type":"pod_crash","description":"crash loop after a deploy","severity":"high"}}`
		if code, body := e.do(t, http.MethodPost, "/api/v1/remediation/trigger", trigger, nil); code != http.StatusUnauthorized {
			t.Fatalf("trigger without a token = %d %s, want 401 (apiAuth.mode=kubernetes)", code, body)
		}
		e.token = testenv.MintToken(t, admin, releaseNamespace, "mcp-server")
		var tr struct {
			WorkflowID string `json:"workflow_id"`
		}
		if code, body := e.do(t, http.MethodPost, "/api/v1/remediation/trigger", trigger, &tr); code != http.StatusAccepted {
			t.Fatalf("trigger as the chart's api-writer = %d %s, want 202", code, body)
		}
		wf := waitWorkflow(t, e, tr.WorkflowID)
		if wf.Status != "completed" || len(wf.Steps) == 0 || wf.Steps[0].Status != "completed" {
			t.Fatalf("workflow = %+v, want completed with its restart step completed", wf)
		}
		d, err := admin.AppsV1().Deployments("shop").Get(t.Context(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
			t.Errorf("Deployment web's pod template %v, want the restartedAt annotation of a restart", d.Spec.Template.Annotations)
		}

		evs, err := admin.EventsV1().Events("shop").List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(evs.Items, func(ev eventsv1.Event) bool { return ev.Regarding.Name == "web" && ev.Reason == "Remediated" }) {
			t.Errorf("no Remediated Event on Deployment web among %d Events", len(evs.Items))
		}

		var health struct {
			RBAC struct {
				Status  string                    `json:"status"`
				Missing []permissions.Requirement `json:"missing"`
			} `json:"rbac"`
		}
		e.do(t, http.MethodGet, "/api/v1/health", "", &health)
		if len(health.RBAC.Missing) != 0 {
			t.Errorf("/api/v1/health rbac = %+v, want nothing missing", health.RBAC)
		}

		for _, line := range strings.Split(e.log.String(), "\n") {
			if strings.Contains(strings.ToLower(line), "forbidden") {
				t.Errorf("the engine was refused something: %s", line)
			}
		}
		// client-go's leader election records core Events, which permissions.Requirements()
		// does not list, so the chart does not grant them: the election works, the Event is lost.
		for _, line := range strings.Split(klogLines.String(), "\n") {
			if strings.Contains(line, "forbidden") {
				t.Logf("known gap, client-go: %.300s", line)
			}
		}

		exported := e.scrapeNames(t)
		for n := range telemetryNames(t) {
			exported[n] = true // families whose label sets appear with their first event
		}
		for _, n := range referencedMetrics(t, render(t, with(values, "prometheusRule.enabled", true))) {
			if !exported[n] {
				t.Errorf("the chart's alerts or dashboard query %s, which the engine does not export", n)
			}
		}
	})
}

type workflowView struct {
	Status, Reason, Message string
	Steps                   []struct{ Action, Status string }
}

// waitWorkflow polls the workflow until it finished (or fails the test after 30s).
func waitWorkflow(t *testing.T, e *runningEngine, id string) workflowView {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var wf workflowView
		if code, body := e.do(t, http.MethodGet, "/api/v1/workflows/"+id, "", &wf); code != http.StatusOK {
			t.Fatalf("GET workflow %s = %d %s", id, code, body)
		}
		if wf.Status == "completed" || wf.Status == "failed" || wf.Status == "cancelled" {
			return wf
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow %s is %s after 30s: %+v", id, wf.Status, wf)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// telemetryNames are the names of every family package telemetry defines, including those
// with no series before their first event (counters by label).
func telemetryNames(t *testing.T) map[string]bool {
	t.Helper()
	reg := &describing{names: map[string]bool{}}
	telemetry.New(reg, "test")
	if err := telemetry.RegisterBreakers(reg, []string{"ml_service"}, func(string) string { return "closed" }); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.RegisterWorkflowPhases(reg, func() map[string]int { return nil }); err != nil {
		t.Fatal(err)
	}
	return reg.names
}

// describing is a prometheus.Registerer that records the names its collectors describe.
type describing struct{ names map[string]bool }

func (d *describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		// Desc has no accessor for its name; its String() is `Desc{fqName: "name", ...}`.
		s := desc.String()
		if _, rest, ok := strings.Cut(s, `fqName: "`); ok {
			name, _, _ := strings.Cut(rest, `"`)
			d.names[name] = true
		}
	}
	return nil
}

func (d *describing) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}

func (d *describing) Unregister(prometheus.Collector) bool { return true }

var _ prometheus.Registerer = (*describing)(nil)
