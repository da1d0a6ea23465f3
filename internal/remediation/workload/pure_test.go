package workload

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// reasonOf is the refusal reason of err, "" for nil and "error" for other errors.
func reasonOf(err error) string {
	var r *action.Refusal
	switch {
	case err == nil:
		return ""
	case errors.As(err, &r):
		return r.Reason
	}
	return "error"
}

func TestAdmitRefusesEveryMethodButManual(t *testing.T) {
	with := func(m managedby.Method, details map[string]string, ev ...managedby.Evidence) managedby.Resolution {
		r := resolution(m, "Deployment", "shop", "web")
		r.Details, r.Evidence = details, ev
		return r
	}
	tests := []struct {
		name       string
		owner      managedby.Resolution
		wantReason string
		wantIn     string
	}{
		{"a manual workload is admitted", with(managedby.Manual, nil), "", ""},
		{"an Argo CD workload names its Application", with(managedby.ArgoCD, map[string]string{
			managedby.DetailArgoCDApplication: "shop", managedby.DetailArgoCDNamespace: "argocd"}), ReasonGitOpsManaged, "Application argocd/shop"},
		{"a Flux workload names its Kustomization", with(managedby.Flux, map[string]string{
			managedby.DetailFluxKind: "Kustomization", managedby.DetailFluxName: "apps", managedby.DetailFluxNamespace: "flux-system"}), ReasonGitOpsManaged, "Kustomization flux-system/apps"},
		{"a Helm workload names its release", with(managedby.Helm, map[string]string{
			managedby.DetailHelmRelease: "shop", managedby.DetailHelmNamespace: "shop"}), ReasonHelmManaged, "release shop/shop"},
		{"an operator's workload names its custom resource", with(managedby.Operator, map[string]string{
			managedby.DetailOperatorKind: "Redis", managedby.DetailOperatorName: "cache", managedby.DetailOperatorAPIVersion: "cache.example.com/v1"}), ReasonOperatorManaged, "Redis shop/cache"},
		{"an unknown method fails closed with the evidence gaps", with(managedby.Unknown, nil,
			managedby.Evidence{Kind: managedby.EvidenceGap, Detail: "cannot list Secrets in shop: forbidden"}), ReasonUnknownMethod, "cannot list Secrets"},
		{"an empty method fails closed", with("", nil), ReasonUnknownMethod, "no gap recorded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := admit(tt.owner)
			if got := reasonOf(err); got != tt.wantReason {
				t.Fatalf("admit(%s) = %v, want reason %q", tt.owner.Method, err, tt.wantReason)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("admit(%s) = %q, want it to mention %q", tt.owner.Method, err, tt.wantIn)
			}
		})
	}
}

func TestNextMemoryLimit(t *testing.T) {
	q := resource.MustParse
	qp := func(s string) *resource.Quantity { v := q(s); return &v }
	base := memoryBounds{factor: 1.5, ceiling: q("4Gi"), replicas: 3}
	with := func(f func(*memoryBounds)) memoryBounds { b := base; f(&b); return b }
	tests := []struct {
		name       string
		current    string
		bounds     memoryBounds
		want       string
		wantReason string
	}{
		{"raises by the factor", "256Mi", base, "384Mi", ""},
		{"rounds up to a whole Mi", "333Mi", base, "500Mi", ""},
		{"rounds up decimal limits", "100M", base, "144Mi", ""},
		{"caps at the ceiling", "3Gi", base, "4Gi", ""},
		{"refuses at the ceiling", "4Gi", base, "", ReasonAtCeiling},
		{"caps at the LimitRange max", "256Mi", with(func(b *memoryBounds) { b.limitRangeMax, b.limitRangeName = qp("300Mi"), "lr" }), "300Mi", ""},
		{"refuses at the LimitRange max", "256Mi", with(func(b *memoryBounds) { b.limitRangeMax, b.limitRangeName = qp("256Mi"), "lr" }), "", ReasonLimitRangeMax},
		{"fits the quota room times the replicas", "256Mi", with(func(b *memoryBounds) { b.quotaRoom, b.quotaName = qp("384Mi"), "q" }), "384Mi", ""},
		{"refuses when the quota room is too small for every replica", "256Mi", with(func(b *memoryBounds) { b.quotaRoom, b.quotaName = qp("383Mi"), "q" }), "", ReasonQuotaExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nextMemoryLimit(q(tt.current), tt.bounds)
			if reasonOf(err) != tt.wantReason {
				t.Fatalf("nextMemoryLimit(%s) = %v, want reason %q", tt.current, err, tt.wantReason)
			}
			if err == nil && got.Cmp(q(tt.want)) != 0 {
				t.Errorf("nextMemoryLimit(%s) = %s, want %s", tt.current, got.String(), tt.want)
			}
		})
	}
}

func TestQuotaRefusalGivesTheNumbers(t *testing.T) {
	room := resource.MustParse("100Mi")
	_, err := nextMemoryLimit(resource.MustParse("256Mi"), memoryBounds{factor: 1.5, ceiling: resource.MustParse("4Gi"), replicas: 3, quotaRoom: &room, quotaName: "compute"})
	for _, want := range []string{"256Mi → 384Mi", "3 pods", "384Mi more", "compute has 100Mi left"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("nextMemoryLimit() = %v, want it to say %q", err, want)
		}
	}
}

func TestNextReplicas(t *testing.T) {
	o := DefaultOptions()
	tests := []struct {
		name            string
		current, wanted int32
		want            int32
		wantReason      string
	}{
		{"adds one when no count is wanted", 3, 0, 4, ""},
		{"sets the wanted count", 3, 5, 5, ""},
		{"adds at most the step", 3, 9, 5, ""},
		{"stops at the maximum", 9, 12, 10, ""},
		{"refuses at the maximum", 10, 0, 0, ReasonAtMaxReplicas},
		{"scales down at most the step", 6, 1, 4, ""},
		{"refuses the current count", 4, 4, 0, ReasonNoChange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nextReplicas(tt.current, tt.wanted, o)
			if reasonOf(err) != tt.wantReason || got != tt.want {
				t.Errorf("nextReplicas(%d, %d) = %d, %v; want %d, reason %q", tt.current, tt.wanted, got, err, tt.want, tt.wantReason)
			}
		})
	}
}

func TestNextHPABounds(t *testing.T) {
	o := DefaultOptions()
	tests := []struct {
		name               string
		minR, maxR, wanted int32
		wantMin, wantMax   int32
		wantReason         string
	}{
		{"raises maxReplicas by one", 2, 5, 0, 2, 6, ""},
		{"raises maxReplicas and minReplicas to the wanted count", 2, 5, 7, 7, 7, ""},
		{"raises only minReplicas when the wanted count fits", 2, 5, 4, 4, 5, ""},
		{"keeps maxReplicas within the step", 2, 5, 9, 7, 7, ""},
		{"refuses at the maximum", 2, 10, 0, 0, 0, ReasonAtMaxReplicas},
		{"never lowers the bounds", 3, 5, 2, 0, 0, ReasonNoChange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi, err := nextHPABounds(tt.minR, tt.maxR, tt.wanted, o)
			if reasonOf(err) != tt.wantReason || lo != tt.wantMin || hi != tt.wantMax {
				t.Errorf("nextHPABounds(%d, %d, %d) = %d, %d, %v; want %d, %d, reason %q",
					tt.minR, tt.maxR, tt.wanted, lo, hi, err, tt.wantMin, tt.wantMax, tt.wantReason)
			}
		})
	}
}

func TestChooseRevision(t *testing.T) {
	tests := []struct {
		name    string
		current revision
		older   []revision
		want    int64 // 0: none
	}{
		{"the newest older revision with ready pods", rev(4, "web:4", 0), []revision{rev(3, "web:3", 0), rev(2, "web:2", 2), rev(1, "web:1", 1)}, 2},
		{"else the newest with other images", rev(4, "web:4", 0), []revision{rev(3, "web:4", 0), rev(2, "web:2", 0)}, 2},
		{"else the previous revision", rev(4, "web:4", 0), []revision{rev(3, "web:4", 0), rev(2, "web:4", 0)}, 3},
		{"none without older revisions", rev(1, "web:1", 3), nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, ok := chooseRevision(tt.current, tt.older)
			if !ok {
				got.Number = 0
			}
			if got.Number != tt.want {
				t.Errorf("chooseRevision() = revision %d, want %d", got.Number, tt.want)
			}
		})
	}
}

func TestFieldDiff(t *testing.T) {
	before := template("web", "web:2")
	before.Labels["kwok.selfhealing.dev/fault"] = "crashloop"
	after := template("web", "web:1")
	got, err := fieldDiff("spec.template", before, after)
	if err != nil {
		t.Fatal(err)
	}
	want := `spec.template.metadata.labels["kwok.selfhealing.dev/fault"]: "crashloop" → <none>
spec.template.spec.containers[app].image: "web:2" → "web:1"`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fieldDiff() mismatch (-want +got):\n%s", diff)
	}
}

func TestRestartChangeIsAFixedTimestamp(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	ch, err := restartChange(deployment("shop", "web", "web:1"), at)
	if err != nil {
		t.Fatal(err)
	}
	wantPatch := `{"metadata":{"uid":"uid-web"},"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-26T09:00:00Z"}}}}}`
	if ch.Patch != wantPatch || ch.PatchType != mergePatch || ch.Undo != "" {
		t.Errorf("restartChange() = patch %s (%s), undo %q; want %s, no undo", ch.Patch, ch.PatchType, ch.Undo, wantPatch)
	}
	if want := `spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]: <none> → "2026-11-26T09:00:00Z"`; ch.Diff != want {
		t.Errorf("restartChange().Diff = %q, want %q", ch.Diff, want)
	}
	if want := "restart Deployment shop/web (3 pods) as of 2026-11-26T09:00:00Z"; ch.Summary != want {
		t.Errorf("restartChange().Summary = %q, want %q", ch.Summary, want)
	}
}

func TestMemoryChangeTargetsTheContainerByName(t *testing.T) {
	ch, err := memoryChange(deployment("shop", "web", "web:1"), "app", resource.MustParse("256Mi"), resource.MustParse("384Mi"))
	if err != nil {
		t.Fatal(err)
	}
	patch := `{"metadata":{"uid":"uid-web"},"spec":{"template":{"spec":{"containers":[{"name":"app","resources":{"limits":{"memory":"%s"}}}]}}}}`
	if want := strings.Replace(patch, "%s", "384Mi", 1); ch.Patch != want {
		t.Errorf("memoryChange().Patch = %s, want %s", ch.Patch, want)
	}
	if want := strings.Replace(patch, "%s", "256Mi", 1); ch.Undo != want {
		t.Errorf("memoryChange().Undo = %s, want %s", ch.Undo, want)
	}
	if want := "spec.template.spec.containers[app].resources.limits.memory: 256Mi → 384Mi"; ch.Diff != want {
		t.Errorf("memoryChange().Diff = %q, want %q", ch.Diff, want)
	}
}

func TestRollbackChangeReplacesTheTemplateWithoutTheHashLabel(t *testing.T) {
	d := deployment("shop", "web", "web:2")
	rs := replicaSet(d, 1, "web:1")
	tmpl := *rs.Spec.Template.DeepCopy()
	delete(tmpl.Labels, podTemplateHashLabel)
	to := revision{Revision: Revision{Number: 1, Name: rs.Name, Images: []string{"web:1"}, ReadyPods: 2}, template: tmpl}
	ch, err := rollbackChange(d, rev(2, "web:2", 0), to, "the newest older revision with ready pods (2)")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"$patch":"replace"`, `"image":"web:1"`, `"uid":"uid-web"`} {
		if !strings.Contains(ch.Patch, s) {
			t.Errorf("rollbackChange().Patch = %s, want it to contain %s", ch.Patch, s)
		}
	}
	if strings.Contains(ch.Patch, podTemplateHashLabel) {
		t.Errorf("rollbackChange().Patch = %s, want no %s label", ch.Patch, podTemplateHashLabel)
	}
	if !strings.Contains(ch.Undo, `"image":"web:2"`) || !strings.Contains(ch.Undo, `"$patch":"replace"`) {
		t.Errorf("rollbackChange().Undo = %s, want the current template web:2 replaced as a whole", ch.Undo)
	}
	if want := `spec.template.spec.containers[app].image: "web:2" → "web:1"`; ch.Diff != want {
		t.Errorf("rollbackChange().Diff = %q, want %q", ch.Diff, want)
	}
}

func TestPickContainer(t *testing.T) {
	two := template("web", "web:1")
	two.Spec.Containers = append(two.Spec.Containers, corev1.Container{Name: "sidecar", Image: "proxy:1"})
	w := managedby.Object{Kind: "Deployment", Namespace: "shop", Name: "web"}
	tests := []struct {
		name       string
		tmpl       corev1.PodTemplateSpec
		container  string
		want       string
		wantReason string
	}{
		{"the only container when none is named", template("web", "web:1"), "", "app", ""},
		{"the named container", two, "sidecar", "sidecar", ""},
		{"refuses to guess among several", two, "", "", ReasonContainerRequired},
		{"refuses an unknown name", two, "db", "", ReasonContainerNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := pickContainer(&tt.tmpl, tt.container, w)
			got := ""
			if c != nil {
				got = c.Name
			}
			if got != tt.want || reasonOf(err) != tt.wantReason {
				t.Errorf("pickContainer(%q) = %q, %v; want %q, reason %q", tt.container, got, err, tt.want, tt.wantReason)
			}
		})
	}
}
