package managedby

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResultWireForm(t *testing.T) {
	tests := []struct {
		name  string
		facts Facts
		want  string
	}{
		{"a plain Deployment serialises evidence as objects and details as an object",
			factsFor(deployment("web")),
			`{"method":"manual","confidence":0.6,"evidence":[{"kind":"none","detail":"no Argo CD, Flux, Helm or OLM marks on Deployment shop/web and no custom resource controls it","method":"manual"}],"details":{}}`},
		{"empty facts serialise an empty details object, never null",
			Facts{},
			`{"method":"unknown","confidence":0,"evidence":[{"kind":"gap","detail":"no top controller: the owner chain was not resolved"}],"details":{}}`},
		{"a Helm release serialises its details in lowerCamelCase keys",
			factsFor(deployment("web", annotation(AnnotationHelmReleaseName, "shop")), release("shop", 3, "deployed")),
			`{"method":"helm","confidence":0.95,"evidence":[{"kind":"annotation","detail":"annotation meta.helm.sh/release-name on Deployment shop/web names release shop/shop","method":"helm"},{"kind":"secret","detail":"release Secret sh.helm.release.v1.shop.v3 in shop, status deployed","method":"helm"}],"details":{"helmNamespace":"shop","helmRelease":"shop","helmRevision":"3","helmStatus":"deployed"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(Decide(tt.facts))
			if err != nil {
				t.Fatalf("json.Marshal(Decide(%s)) error %v", tt.facts.Top, err)
			}
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("json.Marshal(Decide(%s)) mismatch (-want +got):\n%s", tt.facts.Top, diff)
			}
		})
	}
}

func TestDecideExplainsItsEvidence(t *testing.T) {
	tests := []struct {
		name  string
		facts Facts
		want  string
	}{
		{"a copied tracking id says it names another resource",
			factsFor(deployment("web", trackedByArgoCD("guestbook:apps/Deployment:shop/api"))),
			"names another resource, Deployment shop/api of Application guestbook"},
		{"an unconfirmable Application says the API is missing",
			factsFor(deployment("web", label(LabelAppInstance, "guestbook"))),
			"cannot confirm Application guestbook: this cluster does not serve Argo CD Applications"},
		{"an uninstalled release says Helm no longer manages the object",
			factsFor(deployment("web", installedByHelm("shop")), release("shop", 5, "uninstalled")),
			"Helm no longer manages Deployment shop/web"},
		{"a mark on the target only says the top controller decides",
			factsFor(deployment("web"), target(pod("web-x", label(LabelFluxKustomizationName, "apps")), controllerOf("apps/v1", "Deployment", "web"))),
			"on Pod shop/web-x only, not on its top controller Deployment shop/web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.facts)
			for _, e := range got.Evidence {
				if strings.Contains(e.Detail, tt.want) {
					return
				}
			}
			t.Errorf("Decide(%s) evidence = %+v, want one saying %q", tt.facts.Top, got.Evidence, tt.want)
		})
	}
}
