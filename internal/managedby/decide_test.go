package managedby

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decision is the part of a Result the table checks: evidence as kind→method, details whole.
type decision struct {
	Method     Method
	Confidence float64
	Evidence   []string
	Details    map[string]string
}

func summarize(r Result) decision {
	d := decision{Method: r.Method, Confidence: r.Confidence, Evidence: []string{}, Details: r.Details}
	for _, e := range r.Evidence {
		s := string(e.Kind)
		if e.Method != "" {
			s += "→" + string(e.Method)
		}
		d.Evidence = append(d.Evidence, s)
	}
	return d
}

func TestDecide(t *testing.T) {
	web := func(opts ...objectOption) Object { return deployment("web", opts...) }
	shopCR := func(opts ...objectOption) Object {
		return object("shop.example.com/v1", "Shop", "shop", "main", opts...)
	}
	ownedByShop := customResource("shop.example.com/v1", "Shop", "main")
	const (
		webTrackingID = "guestbook:apps/Deployment:shop/web"
		olmOperator   = "operators.coreos.com/shop-operator.openshift-operators"
	)
	tests := []struct {
		name  string
		facts Facts
		want  decision
	}{
		// Argo CD
		{"a tracking id naming the object with a confirmed Application is Argo CD at 0.99",
			factsFor(web(trackedByArgoCD(webTrackingID)), applications("argocd/guestbook")),
			decision{ArgoCD, 0.99, []string{"annotation→argocd", "application→argocd"},
				map[string]string{"argocdApplication": "guestbook", "argocdNamespace": "argocd", "argocdTrackingID": webTrackingID}}},
		{"a tracking id without the Applications API is Argo CD at 0.95",
			factsFor(web(trackedByArgoCD(webTrackingID))),
			decision{ArgoCD, 0.95, []string{"annotation→argocd", "application"},
				map[string]string{"argocdApplication": "guestbook", "argocdTrackingID": webTrackingID}}},
		{"a tracking id whose Application is gone is still Argo CD at 0.95",
			factsFor(web(trackedByArgoCD(webTrackingID)), applications("argocd/other")),
			decision{ArgoCD, 0.95, []string{"annotation→argocd", "application"},
				map[string]string{"argocdApplication": "guestbook", "argocdNamespace": "argocd", "argocdTrackingID": webTrackingID}}},
		{"a tracking id naming another resource is Argo CD at 0.7",
			factsFor(web(trackedByArgoCD("guestbook:apps/Deployment:shop/api")), applications("argocd/guestbook")),
			decision{ArgoCD, 0.7, []string{"annotation→argocd", "application→argocd"},
				map[string]string{"argocdApplication": "guestbook", "argocdNamespace": "argocd", "argocdTrackingID": "guestbook:apps/Deployment:shop/api"}}},
		{"a tracking id of an app in any namespace names the app's namespace",
			factsFor(web(trackedByArgoCD("team-a_shop:apps/Deployment:shop/web")), applications("team-a/shop")),
			decision{ArgoCD, 0.99, []string{"annotation→argocd", "application→argocd"},
				map[string]string{"argocdApplication": "shop", "argocdNamespace": "team-a", "argocdTrackingID": "team-a_shop:apps/Deployment:shop/web"}}},
		{"a tracking id on a cluster-scoped object ignores the namespace it carries",
			factsFor(object("rbac.authorization.k8s.io/v1", "ClusterRole", "", "shop-reader",
				trackedByArgoCD("shop:rbac.authorization.k8s.io/ClusterRole:shop/shop-reader"))),
			decision{ArgoCD, 0.95, []string{"annotation→argocd", "application"},
				map[string]string{"argocdApplication": "shop", "argocdTrackingID": "shop:rbac.authorization.k8s.io/ClusterRole:shop/shop-reader"}}},
		{"a malformed tracking id is a hint, not a claim",
			factsFor(web(trackedByArgoCD("guestbook"))),
			decision{Manual, 0.4, []string{"annotation→argocd", "none→manual"}, map[string]string{}}},
		{"the argocd.argoproj.io/instance label is Argo CD at 0.9",
			factsFor(web(label(LabelArgoCDInstance, "guestbook"))),
			decision{ArgoCD, 0.9, []string{"label→argocd", "application"}, map[string]string{"argocdApplication": "guestbook"}}},
		{"app.kubernetes.io/instance naming an Application is Argo CD at 0.85",
			factsFor(web(label(LabelAppInstance, "guestbook")), applications("argocd/guestbook")),
			decision{ArgoCD, 0.85, []string{"label→argocd", "application→argocd"},
				map[string]string{"argocdApplication": "guestbook", "argocdNamespace": "argocd"}}},
		{"app.kubernetes.io/instance without an Application is not Argo CD",
			factsFor(web(label(LabelAppInstance, "guestbook")), applications("argocd/other")),
			decision{Manual, 0.4, []string{"label→helm", "application", "none→manual"}, map[string]string{}}},
		{"app.kubernetes.io/instance without the Applications API is not Argo CD",
			factsFor(web(label(LabelAppInstance, "guestbook"))),
			decision{Manual, 0.4, []string{"label→helm", "application", "none→manual"}, map[string]string{}}},

		// Flux
		{"Flux Kustomization labels are Flux at 0.9",
			factsFor(web(label(LabelFluxKustomizationName, "apps"), label(LabelFluxKustomizationNamespace, "flux-system"))),
			decision{Flux, 0.9, []string{"label→flux"},
				map[string]string{"fluxKind": "Kustomization", "fluxName": "apps", "fluxNamespace": "flux-system"}}},
		{"a Helm release rendered by a Flux HelmRelease is Flux, not Helm",
			factsFor(web(installedByHelm("shop-podinfo"), label(LabelFluxHelmReleaseName, "podinfo"), label(LabelFluxHelmReleaseNamespace, "flux-system")),
				release("shop-podinfo", 4, "deployed")),
			decision{Flux, 0.9, []string{"label→flux", "label→helm", "application", "label→helm", "annotation→helm", "secret→helm"},
				map[string]string{"fluxKind": "HelmRelease", "fluxName": "podinfo", "fluxNamespace": "flux-system", "helmRelease": "shop-podinfo", "helmNamespace": "shop"}}},
		{"a Helm release whose Secret names a Flux HelmRelease is Flux",
			factsFor(web(installedByHelm("podinfo")), releaseOfFlux("podinfo", "podinfo")),
			decision{Flux, 0.9, []string{"secret→flux", "label→helm", "application", "label→helm", "annotation→helm", "secret→helm"},
				map[string]string{"fluxKind": "HelmRelease", "fluxName": "podinfo", "fluxNamespace": "flux-system", "helmRelease": "podinfo", "helmNamespace": "shop"}}},
		{"Flux labels beat an Application that shares the release's name",
			factsFor(web(installedByHelm("podinfo"), label(LabelFluxHelmReleaseName, "podinfo")), applications("argocd/podinfo")),
			decision{Flux, 0.9, []string{"label→flux", "label→argocd", "application→argocd", "label→helm", "annotation→helm", "secret"},
				map[string]string{"fluxKind": "HelmRelease", "fluxName": "podinfo", "helmRelease": "podinfo", "helmNamespace": "shop"}}},
		{"Argo CD's tracking id beats Flux labels",
			factsFor(web(trackedByArgoCD("apps:apps/Deployment:shop/web"), label(LabelFluxKustomizationName, "apps"))),
			decision{ArgoCD, 0.95, []string{"annotation→argocd", "application", "label→flux"},
				map[string]string{"argocdApplication": "apps", "argocdTrackingID": "apps:apps/Deployment:shop/web"}}},

		// Helm, and Argo CD over Helm
		{"a Helm chart rendered by Argo CD is Argo CD",
			factsFor(web(trackedByArgoCD(webTrackingID), label(LabelManagedBy, "Helm"), label(LabelAppInstance, "guestbook")),
				applications("argocd/guestbook")),
			decision{ArgoCD, 0.99, []string{"annotation→argocd", "application→argocd", "label→argocd", "label→helm"},
				map[string]string{"argocdApplication": "guestbook", "argocdNamespace": "argocd", "argocdTrackingID": webTrackingID}}},
		{"a Helm release labelled for an Application is Argo CD",
			factsFor(web(installedByHelm("guestbook")), release("guestbook", 2, "deployed"), applications("argocd/guestbook")),
			decision{ArgoCD, 0.85, []string{"label→argocd", "application→argocd", "label→helm", "annotation→helm", "secret→helm"},
				map[string]string{"argocdApplication": "guestbook", "argocdNamespace": "argocd"}}},
		{"Helm's label and annotations without a release Secret are Helm at 0.8",
			factsFor(web(installedByHelm("shop"))),
			decision{Helm, 0.8, []string{"label→helm", "application", "label→helm", "annotation→helm", "secret"},
				map[string]string{"helmRelease": "shop", "helmNamespace": "shop"}}},
		{"a release Secret confirms Helm at 0.95",
			factsFor(web(installedByHelm("shop")), release("shop", 3, "deployed")),
			decision{Helm, 0.95, []string{"label→helm", "application", "label→helm", "annotation→helm", "secret→helm"},
				map[string]string{"helmRelease": "shop", "helmNamespace": "shop", "helmRevision": "3", "helmStatus": "deployed"}}},
		{"a failed latest revision is still Helm",
			factsFor(web(installedByHelm("shop")), release("shop", 4, "failed")),
			decision{Helm, 0.95, []string{"label→helm", "application", "label→helm", "annotation→helm", "secret→helm"},
				map[string]string{"helmRelease": "shop", "helmNamespace": "shop", "helmRevision": "4", "helmStatus": "failed"}}},
		{"the release annotation alone is Helm at 0.7",
			factsFor(web(annotation(AnnotationHelmReleaseName, "shop"))),
			decision{Helm, 0.7, []string{"annotation→helm", "secret"}, map[string]string{"helmRelease": "shop", "helmNamespace": "shop"}}},
		{"the release namespace annotation finds the release in another namespace",
			factsFor(web(annotation(AnnotationHelmReleaseName, "shop"), annotation(AnnotationHelmReleaseNamespace, "platform")),
				release("shop", 1, "deployed"), releaseIn("platform", "shop", 2, "deployed")),
			decision{Helm, 0.95, []string{"annotation→helm", "secret→helm"},
				map[string]string{"helmRelease": "shop", "helmNamespace": "platform", "helmRevision": "2", "helmStatus": "deployed"}}},
		{"an uninstalled release is no longer Helm",
			factsFor(web(installedByHelm("shop")), release("shop", 5, "uninstalled")),
			decision{Manual, 0.4, []string{"label→helm", "application", "label→helm", "annotation→helm", "secret", "none→manual"}, map[string]string{}}},
		{"managed-by Helm without release annotations is a hint, not Helm",
			factsFor(web(label(LabelManagedBy, "Helm"))),
			decision{Manual, 0.4, []string{"label→helm", "none→manual"}, map[string]string{}}},

		// Operators, and GitOps or Helm over operators
		{"a Pod of an operator-controlled Deployment is operator, naming the custom resource",
			factsFor(shopCR(), target(pod("web-5d4f8-x7k2p"), replicaSetOf("web"), controllerOf("apps/v1", "Deployment", "web"), ownedByShop)),
			decision{Operator, 0.85, []string{"ownerReference→operator"},
				map[string]string{"operatorKind": "Shop", "operatorName": "main", "operatorAPIVersion": "shop.example.com/v1"}}},
		{"OLM labels naming the operator raise operator to 0.9",
			factsFor(shopCR(), target(deployment("web"), ownedByShop), olmLabels(olmOperator, "", LabelOLMOwner, "shop-operator.v1.2.0")),
			decision{Operator, 0.9, []string{"ownerReference→operator", "label→operator"},
				map[string]string{"operatorKind": "Shop", "operatorName": "main", "operatorAPIVersion": "shop.example.com/v1",
					"olmOperator": "shop-operator.openshift-operators", "olmClusterServiceVersion": "shop-operator.v1.2.0"}}},
		{"an operator's own Deployment installed by OLM is operator",
			factsFor(deployment("shop-operator", label(LabelOLMOwner, "shop-operator.v1.2.0"), label(LabelOLMOwnerKind, "ClusterServiceVersion"), label(olmOperator, ""))),
			decision{Operator, 0.9, []string{"label→operator"},
				map[string]string{"operatorKind": "ClusterServiceVersion", "operatorName": "shop-operator.v1.2.0",
					"olmOperator": "shop-operator.openshift-operators", "olmClusterServiceVersion": "shop-operator.v1.2.0"}}},
		{"a Helm-based operator's child is operator, not Helm",
			factsFor(shopCR(), target(deployment("main-web", installedByHelm("main")), ownedByShop), release("main", 1, "deployed")),
			decision{Operator, 0.85, []string{"ownerReference→operator", "annotation→helm"},
				map[string]string{"operatorKind": "Shop", "operatorName": "main", "operatorAPIVersion": "shop.example.com/v1"}}},
		{"a custom resource installed by Helm is Helm, not operator",
			factsFor(shopCR(installedByHelm("shop")), target(deployment("main-web"), ownedByShop), release("shop", 2, "deployed")),
			decision{Helm, 0.95, []string{"label→helm", "application", "label→helm", "annotation→helm", "secret→helm", "ownerReference→operator"},
				map[string]string{"helmRelease": "shop", "helmNamespace": "shop", "helmRevision": "2", "helmStatus": "deployed"}}},
		{"a custom resource tracked by Argo CD is Argo CD, not operator",
			factsFor(shopCR(trackedByArgoCD("shop:shop.example.com/Shop:shop/main")), target(deployment("main-web"), ownedByShop)),
			decision{ArgoCD, 0.95, []string{"annotation→argocd", "application", "ownerReference→operator"},
				map[string]string{"argocdApplication": "shop", "argocdTrackingID": "shop:shop.example.com/Shop:shop/main"}}},
		{"a custom resource that owns without controlling is a hint, not operator",
			factsFor(shopCR(), target(deployment("web"), Owner{APIVersion: "shop.example.com/v1", Kind: "Shop", Name: "main", IsCustomResource: true})),
			decision{Manual, 0.4, []string{"ownerReference→operator", "none→manual"}, map[string]string{}}},

		// Manual and unknown
		{"a plain Deployment is manual at 0.6",
			factsFor(web()),
			decision{Manual, 0.6, []string{"none→manual"}, map[string]string{}}},
		{"a Pod of a plain Deployment is manual: a built-in controller is no operator",
			factsFor(web(), target(pod("web-5d4f8-x7k2p"), replicaSetOf("web"), controllerOf("apps/v1", "Deployment", "web"))),
			decision{Manual, 0.6, []string{"none→manual"}, map[string]string{}}},
		{"a Job of a CronJob is manual",
			factsFor(object("batch/v1", "CronJob", "shop", "report"), target(object("batch/v1", "Job", "shop", "report-29000"), controllerOf("batch/v1", "CronJob", "report"))),
			decision{Manual, 0.6, []string{"none→manual"}, map[string]string{}}},
		{"a tool mark on the Pod only is a hint, not a claim",
			factsFor(web(), target(pod("web-5d4f8-x7k2p", annotation(AnnotationHelmReleaseName, "shop")), replicaSetOf("web"), controllerOf("apps/v1", "Deployment", "web"))),
			decision{Manual, 0.4, []string{"annotation→helm", "none→manual"}, map[string]string{}}},
		{"a managed-by label naming another tool lowers manual to 0.4",
			factsFor(web(label(LabelManagedBy, "kapp"))),
			decision{Manual, 0.4, []string{"label", "none→manual"}, map[string]string{}}},
		{"a plain Deployment with gaps in the facts is unknown",
			factsFor(web(), gap("helm release secrets: forbidden")),
			decision{Unknown, 0, []string{"gap", "none"}, map[string]string{}}},
		{"gaps do not undo a claim",
			factsFor(web(installedByHelm("shop")), gap("argo cd applications: forbidden")),
			decision{Helm, 0.8, []string{"label→helm", "application", "label→helm", "annotation→helm", "secret", "gap"},
				map[string]string{"helmRelease": "shop", "helmNamespace": "shop"}}},
		{"facts without a top controller are unknown",
			Facts{Target: pod("web-5d4f8-x7k2p"), Gaps: []string{"ReplicaSet shop/web-5d4f8 not found"}},
			decision{Unknown, 0, []string{"gap", "gap"}, map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(Decide(tt.facts))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide(%s) = %v, want %v; diff (-want +got):\n%s", tt.facts.Top, got, tt.want, diff)
			}
		})
	}
}
