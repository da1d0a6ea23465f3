package managedby

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTrackingID(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  TrackingID
	}{
		{"a core kind has an empty group", "guestbook:/Service:default/guestbook-ui",
			TrackingID{AppName: "guestbook", Kind: "Service", Namespace: "default", Name: "guestbook-ui"}},
		{"a grouped kind keeps its group", "guestbook:apps/Deployment:default/guestbook-ui",
			TrackingID{AppName: "guestbook", Group: "apps", Kind: "Deployment", Namespace: "default", Name: "guestbook-ui"}},
		{"an app in any namespace splits at the underscore", "team-a_shop:apps/Deployment:shop/web",
			TrackingID{AppNamespace: "team-a", AppName: "shop", Group: "apps", Kind: "Deployment", Namespace: "shop", Name: "web"}},
		{"a cluster-scoped object may have no namespace and a colon in its name", "rbac:rbac.authorization.k8s.io/ClusterRole:/system:aggregate-to-edit",
			TrackingID{AppName: "rbac", Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "system:aggregate-to-edit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTrackingID(tt.value)
			if err != nil {
				t.Fatalf("ParseTrackingID(%s) error %v, want none", tt.value, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseTrackingID(%s) mismatch (-want +got):\n%s", tt.value, diff)
			}
			if got.String() != tt.value {
				t.Errorf("ParseTrackingID(%s).String() = %s, want the input", tt.value, got)
			}
		})
	}
}

func TestParseTrackingIDRejectsMalformedValues(t *testing.T) {
	tests := []struct {
		name  string
		value string
	}{
		{"an empty value", ""},
		{"an application alone", "guestbook"},
		{"no namespace and name", "guestbook:apps/Deployment"},
		{"a kind without its group separator", "guestbook:Deployment:default/web"},
		{"a group with a version", "guestbook:apps/v1/Deployment:default/web"},
		{"a name without its namespace separator", "guestbook:apps/Deployment:web"},
		{"a name with a slash", "guestbook:apps/Deployment:default/web/extra"},
		{"an empty application", ":apps/Deployment:default/web"},
		{"an empty application namespace", "_guestbook:apps/Deployment:default/web"},
		{"an empty application name after the namespace", "argocd_:apps/Deployment:default/web"},
		{"an empty kind", "guestbook:apps/:default/web"},
		{"an empty name", "guestbook:apps/Deployment:default/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTrackingID(tt.value)
			if !errors.Is(err, ErrMalformedTrackingID) {
				t.Fatalf("ParseTrackingID(%s) = %+v, %v, want ErrMalformedTrackingID", tt.value, got, err)
			}
			if !strings.Contains(err.Error(), "<application>:<group>/<kind>:<namespace>/<name>") {
				t.Errorf("ParseTrackingID(%s) error %q does not show the expected form", tt.value, err)
			}
		})
	}
}

func FuzzParseTrackingID(f *testing.F) {
	for _, seed := range []string{
		"guestbook:/Service:default/guestbook-ui",
		"team-a_shop:apps/Deployment:shop/web",
		"rbac:rbac.authorization.k8s.io/ClusterRole:/system:aggregate-to-edit",
		"a:b:c", "::/", "a_b_c:g/k:n/m", "x:/K:/n:",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		id, err := ParseTrackingID(value)
		if err != nil {
			return
		}
		if id.AppName == "" || id.Kind == "" || id.Name == "" {
			t.Errorf("ParseTrackingID(%q) = %+v, want application, kind and name", value, id)
		}
		if got := id.String(); got != value {
			t.Errorf("ParseTrackingID(%q).String() = %q, want the input", value, got)
		}
	})
}
