package managedby_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// want is what a test expects of a Resolution.
type want struct {
	method     managedby.Method
	confidence float64
	evidence   []string          // each is part of some evidence's detail
	details    map[string]string // a subset of Details
	workload   string            // Object.String() of Workload
	top        string            // Object.String() of Top
	chain      []string          // the kinds of Chain, nearest first
}

func checkResolution(t *testing.T, target v1alpha1.Target, got managedby.Resolution, w want) {
	t.Helper()
	if got.Method != w.method || got.Confidence != w.confidence {
		t.Errorf("Resolve(%s) = %s %.2f, want %s %.2f; evidence:\n%s", target, got.Method, got.Confidence, w.method, w.confidence, evidenceText(got))
	}
	for _, part := range w.evidence {
		if !slices.ContainsFunc(got.Evidence, func(e managedby.Evidence) bool { return strings.Contains(e.Detail, part) }) {
			t.Errorf("Resolve(%s) evidence lacks %q; evidence:\n%s", target, part, evidenceText(got))
		}
	}
	for k, v := range w.details {
		if got.Details[k] != v {
			t.Errorf("Resolve(%s).Details[%s] = %q, want %q (details %v)", target, k, got.Details[k], v, got.Details)
		}
	}
	if s := got.Workload.String(); s != w.workload {
		t.Errorf("Resolve(%s).Workload = %s, want %s", target, s, w.workload)
	}
	if s := got.Top.String(); s != w.top {
		t.Errorf("Resolve(%s).Top = %s, want %s", target, s, w.top)
	}
	var chain []string
	for _, o := range got.Chain {
		chain = append(chain, o.Kind)
	}
	if !slices.Equal(chain, w.chain) {
		t.Errorf("Resolve(%s).Chain = %v, want %v", target, chain, w.chain)
	}
	if got.DetectedAt.IsZero() || got.DetectedAt.Location() != time.UTC {
		t.Errorf("Resolve(%s).DetectedAt = %v, want a UTC time", target, got.DetectedAt)
	}
}

func evidenceText(res managedby.Resolution) string {
	var b strings.Builder
	for _, e := range res.Evidence {
		b.WriteString("\t" + string(e.Kind) + " [" + string(e.Method) + "] " + e.Detail + "\n")
	}
	return b.String()
}

func target(kind, namespace, name string) v1alpha1.Target {
	return v1alpha1.Target{Kind: kind, Namespace: namespace, Name: name}
}

func TestResolveWalksOwnersAndDecides(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, cl *cluster) (v1alpha1.Target, want)
	}{
		{"a Pod of a Deployment resolves through its ReplicaSet to the Deployment, which nothing manages", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			dep := cl.deployment("web")
			cl.create(t, dep)
			rs := cl.replicaSet("web-5d9c", controlledBy(dep, deploymentGVK))
			cl.create(t, rs)
			cl.create(t, cl.pod("web-5d9c-x7k2p", controlledBy(rs, replicaSetGVK)))
			return target("Pod", cl.namespace, "web-5d9c-x7k2p"), want{method: managedby.Manual, confidence: 0.60,
				evidence: []string{"no Argo CD, Flux, Helm or OLM marks"},
				workload: "Deployment " + cl.namespace + "/web", top: "Deployment " + cl.namespace + "/web",
				chain: []string{"ReplicaSet", "Deployment"}}
		}},
		{"a StatefulSet is its own workload and top", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.statefulSet("db"))
			return target("statefulset", cl.namespace, "db"), want{method: managedby.Manual, confidence: 0.60,
				workload: "StatefulSet " + cl.namespace + "/db", top: "StatefulSet " + cl.namespace + "/db"}
		}},
		{"a Pod of a DaemonSet has the DaemonSet as workload", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			ds := cl.daemonSet("agent")
			cl.create(t, ds)
			cl.create(t, cl.pod("agent-q2w", controlledBy(ds, daemonSetGVK)))
			return target("Pod", cl.namespace, "agent-q2w"), want{method: managedby.Manual, confidence: 0.60,
				workload: "DaemonSet " + cl.namespace + "/agent", top: "DaemonSet " + cl.namespace + "/agent", chain: []string{"DaemonSet"}}
		}},
		{"a Pod of a CronJob's Job has the Job as workload and the CronJob on top", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cj := cl.cronJob("report")
			cl.create(t, cj)
			job := cl.job("report-2911", controlledBy(cj, cronJobGVK))
			cl.create(t, job)
			cl.create(t, cl.pod("report-2911-zz9", controlledBy(job, jobGVK)))
			return target("Pod", cl.namespace, "report-2911-zz9"), want{method: managedby.Manual, confidence: 0.60,
				workload: "Job " + cl.namespace + "/report-2911", top: "CronJob " + cl.namespace + "/report", chain: []string{"Job", "CronJob"}}
		}},
		{"a Deployment controlled by a custom resource whose CRD carries OLM labels is operator-managed", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			w := cl.custom(widgetGVK, cl.namespace, "main")
			cl.create(t, w)
			cl.create(t, cl.deployment("widget-main", controlledBy(w, widgetGVK)))
			return target("Deployment", cl.namespace, "widget-main"), want{method: managedby.Operator, confidence: 0.90,
				evidence: []string{"controlled by custom resource Widget main", "OLM labels name operator widget-operator.operators"},
				details: map[string]string{managedby.DetailOperatorKind: "Widget", managedby.DetailOperatorName: "main",
					managedby.DetailOLMClusterServiceVersion: "widget-operator.v1.2.3"},
				workload: "Deployment " + cl.namespace + "/widget-main", top: "Widget " + cl.namespace + "/main", chain: []string{"Widget"}}
		}},
		{"a Pod under a custom resource without OLM labels resolves to the resource, operator-managed", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			g := cl.custom(gadgetGVK, cl.namespace, "g1")
			cl.create(t, g)
			dep := cl.deployment("gadget", controlledBy(g, gadgetGVK))
			cl.create(t, dep)
			rs := cl.replicaSet("gadget-1", controlledBy(dep, deploymentGVK))
			cl.create(t, rs)
			cl.create(t, cl.pod("gadget-1-a", controlledBy(rs, replicaSetGVK)))
			return target("Pod", cl.namespace, "gadget-1-a"), want{method: managedby.Operator, confidence: 0.85,
				details:  map[string]string{managedby.DetailOperatorKind: "Gadget", managedby.DetailOperatorAPIVersion: "example.selfhealing.dev/v1"},
				workload: "Deployment " + cl.namespace + "/gadget", top: "Gadget " + cl.namespace + "/g1",
				chain: []string{"ReplicaSet", "Deployment", "Gadget"}}
		}},
		{"a Helm release with a deployed Secret is helm, at its latest revision", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.releaseSecret("shop", 1, "superseded"), cl.releaseSecret("shop", 2, "deployed"),
				cl.releaseSecret("other", 7, "deployed"))
			cl.create(t, cl.deployment("shop-web", helmInstalled("shop", cl.namespace)))
			return target("Deployment", cl.namespace, "shop-web"), want{method: managedby.Helm, confidence: 0.95,
				evidence: []string{"release Secret sh.helm.release.v1.shop.v2"},
				details:  map[string]string{managedby.DetailHelmRelease: "shop", managedby.DetailHelmRevision: "2", managedby.DetailHelmStatus: "deployed"},
				workload: "Deployment " + cl.namespace + "/shop-web", top: "Deployment " + cl.namespace + "/shop-web"}
		}},
		{"an uninstalled Helm release claims nothing: manual with hints", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.releaseSecret("gone", 3, "uninstalled"))
			cl.create(t, cl.deployment("gone-web", helmInstalled("gone", cl.namespace)))
			return target("Deployment", cl.namespace, "gone-web"), want{method: managedby.Manual, confidence: 0.40,
				evidence: []string{"was uninstalled"},
				workload: "Deployment " + cl.namespace + "/gone-web", top: "Deployment " + cl.namespace + "/gone-web"}
		}},
		{"a Helm release whose Secret carries Flux's labels is Flux-managed", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.releaseSecret("podinfo", 4, "deployed",
				withLabels(managedby.LabelFluxHelmReleaseName, "podinfo", managedby.LabelFluxHelmReleaseNamespace, "flux-system")))
			cl.create(t, cl.deployment("podinfo", helmInstalled("podinfo", cl.namespace)))
			return target("Deployment", cl.namespace, "podinfo"), want{method: managedby.Flux, confidence: 0.90,
				evidence: []string{"managed by Flux HelmRelease flux-system/podinfo"},
				details:  map[string]string{managedby.DetailFluxKind: "HelmRelease", managedby.DetailFluxName: "podinfo", managedby.DetailHelmRelease: "podinfo"},
				workload: "Deployment " + cl.namespace + "/podinfo", top: "Deployment " + cl.namespace + "/podinfo"}
		}},
		{"Flux Kustomization labels on the top controller are Flux", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			dep := cl.deployment("api", withLabels(managedby.LabelFluxKustomizationName, "apps", managedby.LabelFluxKustomizationNamespace, "flux-system"))
			cl.create(t, dep)
			rs := cl.replicaSet("api-1", controlledBy(dep, deploymentGVK))
			cl.create(t, rs)
			cl.create(t, cl.pod("api-1-a", controlledBy(rs, replicaSetGVK)))
			return target("Pod", cl.namespace, "api-1-a"), want{method: managedby.Flux, confidence: 0.90,
				details:  map[string]string{managedby.DetailFluxKind: "Kustomization", managedby.DetailFluxName: "apps"},
				workload: "Deployment " + cl.namespace + "/api", top: "Deployment " + cl.namespace + "/api", chain: []string{"ReplicaSet", "Deployment"}}
		}},
		{"an Argo CD tracking id confirmed by its Application is Argo CD at 0.99", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.custom(applicationGVK, cl.namespace, "storefront"))
			cl.create(t, cl.deployment("front", withAnnotations(managedby.AnnotationArgoCDTrackingID,
				"storefront:apps/Deployment:"+cl.namespace+"/front")))
			return target("Deployment", cl.namespace, "front"), want{method: managedby.ArgoCD, confidence: 0.99,
				evidence: []string{"Application " + cl.namespace + "/storefront exists"},
				details:  map[string]string{managedby.DetailArgoCDApplication: "storefront", managedby.DetailArgoCDNamespace: cl.namespace},
				workload: "Deployment " + cl.namespace + "/front", top: "Deployment " + cl.namespace + "/front"}
		}},
		{"an Argo CD tracking id without its Application is Argo CD at 0.95", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.deployment("back", withAnnotations(managedby.AnnotationArgoCDTrackingID,
				"backend:apps/Deployment:"+cl.namespace+"/back")))
			return target("Deployment", cl.namespace, "back"), want{method: managedby.ArgoCD, confidence: 0.95,
				evidence: []string{"no Application " + cl.namespace + "/backend on this cluster"},
				workload: "Deployment " + cl.namespace + "/back", top: "Deployment " + cl.namespace + "/back"}
		}},
		{"app.kubernetes.io/instance naming an existing Application is Argo CD label tracking", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.custom(applicationGVK, cl.namespace, "billing"))
			cl.create(t, cl.statefulSet("billing-db", withLabels(managedby.LabelAppInstance, "billing")))
			return target("StatefulSet", cl.namespace, "billing-db"), want{method: managedby.ArgoCD, confidence: 0.85,
				workload: "StatefulSet " + cl.namespace + "/billing-db", top: "StatefulSet " + cl.namespace + "/billing-db"}
		}},
		{"a Pod whose ReplicaSet is gone is unknown, with the owner as top and a gap", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.pod("orphan-a", func(o client.Object) {
				o.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "orphan",
					UID: types.UID("00000000-0000-0000-0000-000000000001"), Controller: &[]bool{true}[0]}})
			}))
			return target("Pod", cl.namespace, "orphan-a"), want{method: managedby.Unknown,
				evidence: []string{"cannot read ReplicaSet " + cl.namespace + "/orphan", "not found"},
				workload: "Pod " + cl.namespace + "/orphan-a", top: "ReplicaSet " + cl.namespace + "/orphan", chain: []string{"ReplicaSet"}}
		}},
		{"a controller of a kind the cluster does not serve is unknown", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			cl.create(t, cl.deployment("odd", func(o client.Object) {
				o.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "example.selfhealing.dev/v1", Kind: "Doohickey", Name: "d",
					UID: types.UID("00000000-0000-0000-0000-000000000002"), Controller: &[]bool{true}[0]}})
			}))
			return target("Deployment", cl.namespace, "odd"), want{method: managedby.Unknown,
				evidence: []string{"cannot look up the kind of Doohickey " + cl.namespace + "/d"},
				workload: "Deployment " + cl.namespace + "/odd", top: "Doohickey " + cl.namespace + "/d", chain: []string{"Doohickey"}}
		}},
		{"owner references that form a cycle are unknown", func(t *testing.T, cl *cluster) (v1alpha1.Target, want) {
			a := cl.replicaSet("loop-a")
			cl.create(t, a)
			b := cl.replicaSet("loop-b", controlledBy(a, replicaSetGVK))
			cl.create(t, b)
			cl.update(t, a, controlledBy(b, replicaSetGVK))
			return target("ReplicaSet", cl.namespace, "loop-a"), want{method: managedby.Unknown,
				evidence: []string{"form a cycle"},
				workload: "ReplicaSet " + cl.namespace + "/loop-a", top: "ReplicaSet " + cl.namespace + "/loop-b", chain: []string{"ReplicaSet"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := newCluster(t)
			tgt, w := tt.setup(t, cl)
			r := cl.resolver(managedby.Options{ArgoCDNamespace: cl.namespace})
			got, err := r.Resolve(t.Context(), tgt)
			if err != nil {
				t.Fatalf("Resolve(%s) error = %v", tgt, err)
			}
			checkResolution(t, tgt, got, w)
		})
	}
}

func TestResolveRefusesTargetsItCannotLookUp(t *testing.T) {
	cl := newCluster(t)
	r := cl.resolver(managedby.Options{})
	tests := []struct {
		name    string
		target  v1alpha1.Target
		wantErr error
	}{
		{"a Deployment that does not exist is not found", target("Deployment", cl.namespace, "nope"), managedby.ErrTargetNotFound},
		{"a Pod in a namespace that does not exist is not found", target("Pod", "no-such-namespace", "p"), managedby.ErrTargetNotFound},
		{"a namespaced kind without a namespace is invalid", target("Deployment", "", "web"), managedby.ErrInvalidTarget},
		{"a target without a name is invalid", target("Deployment", cl.namespace, ""), managedby.ErrInvalidTarget},
		{"a kind the cluster does not serve is unknown", target("Doohickey", cl.namespace, "d"), managedby.ErrUnknownKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Resolve(t.Context(), tt.target)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Resolve(%s) error = %v, want %v", tt.target, err, tt.wantErr)
			}
		})
	}
}

// TestResolveDropsCachedResultsOnWatchEvents changes the facts of a cached result in three ways
// (the workload's metadata, its release Secret, an Application) and expects the next Resolve to
// see each change as soon as the watch event arrives; MaxAge is an hour, so no timer explains it.
func TestResolveDropsCachedResultsOnWatchEvents(t *testing.T) {
	cl := newCluster(t)
	r := cl.resolver(managedby.Options{MaxAge: time.Hour, ArgoCDNamespace: cl.namespace})
	dep := cl.deployment("shop")
	cl.create(t, dep)
	tgt := target("Deployment", cl.namespace, "shop")

	first := resolve(t, r, tgt)
	if first.Method != managedby.Manual {
		t.Fatalf("Resolve(%s) = %s before any change, want manual", tgt, first.Method)
	}
	if again := resolve(t, r, tgt); !again.DetectedAt.Equal(first.DetectedAt) {
		t.Fatalf("a second Resolve without changes was detected again at %v (first %v), want the cached result", again.DetectedAt, first.DetectedAt)
	}

	steps := []struct {
		name       string
		change     func()
		wantMethod managedby.Method
		wantConf   float64
	}{
		{"Helm's annotations and a release Secret make it helm", func() {
			cl.create(t, cl.releaseSecret("shop", 1, "deployed"))
			cl.update(t, dep, helmInstalled("shop", cl.namespace))
		}, managedby.Helm, 0.95},
		{"deleting the release Secret leaves the label and annotation", func() {
			if err := cl.c.Delete(t.Context(), cl.releaseSecret("shop", 1, "deployed")); err != nil {
				t.Fatal(err)
			}
		}, managedby.Helm, 0.80},
		{"an Application named like the instance label makes it Argo CD", func() {
			cl.create(t, cl.custom(applicationGVK, cl.namespace, "shop"))
		}, managedby.ArgoCD, 0.85},
	}
	for _, step := range steps {
		step.change()
		start := time.Now()
		var got managedby.Resolution
		for {
			got = resolve(t, r, tgt)
			if got.Method == step.wantMethod && got.Confidence == step.wantConf || time.Since(start) > 5*time.Second {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got.Method != step.wantMethod || got.Confidence != step.wantConf {
			t.Fatalf("after %s: Resolve(%s) = %s %.2f for 5 s, want %s %.2f; evidence:\n%s",
				step.name, tgt, got.Method, got.Confidence, step.wantMethod, step.wantConf, evidenceText(got))
		}
		t.Logf("%s: seen after %v", step.name, time.Since(start).Round(time.Millisecond))
	}
}

func resolve(t *testing.T, r *managedby.Resolver, tgt v1alpha1.Target) managedby.Resolution {
	t.Helper()
	res, err := r.Resolve(t.Context(), tgt)
	if err != nil {
		t.Fatalf("Resolve(%s) error = %v", tgt, err)
	}
	return res
}

// BenchmarkResolveWarm resolves a Pod of a Helm-installed Deployment whose result is cached.
func BenchmarkResolveWarm(b *testing.B) {
	cl := newCluster(b)
	dep := cl.deployment("web", helmInstalled("web", cl.namespace))
	cl.create(b, dep, cl.releaseSecret("web", 1, "deployed"))
	rs := cl.replicaSet("web-1", controlledBy(dep, deploymentGVK))
	cl.create(b, rs)
	cl.create(b, cl.pod("web-1-a", controlledBy(rs, replicaSetGVK)))
	r := cl.resolver(managedby.Options{MaxAge: time.Hour})
	tgt := target("Pod", cl.namespace, "web-1-a")
	if res, err := r.Resolve(b.Context(), tgt); err != nil || res.Method != managedby.Helm {
		b.Fatalf("Resolve(%s) = %v, %v; want helm", tgt, res.Method, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Resolve(b.Context(), tgt); err != nil {
			b.Fatal(err)
		}
	}
}
