package managedby

import "testing"

func TestReleaseSecretName(t *testing.T) {
	if got, want := ReleaseSecretName("shop", 3), "sh.helm.release.v1.shop.v3"; got != want {
		t.Errorf("ReleaseSecretName(shop, 3) = %s, want %s", got, want)
	}
}

func TestParseReleaseSecretName(t *testing.T) {
	tests := []struct {
		name         string
		secret       string
		wantRelease  string
		wantRevision int
		wantOK       bool
	}{
		{"a release Secret parses", "sh.helm.release.v1.shop.v3", "shop", 3, true},
		{"a release name may contain dots", "sh.helm.release.v1.shop.v2.v12", "shop.v2", 12, true},
		{"another Secret does not parse", "default-token-abcde", "", 0, false},
		{"a Helm 2 ConfigMap-style name does not parse", "shop.v3", "", 0, false},
		{"an empty release does not parse", "sh.helm.release.v1..v3", "", 0, false},
		{"a missing revision does not parse", "sh.helm.release.v1.shop.v", "", 0, false},
		{"revision zero does not parse", "sh.helm.release.v1.shop.v0", "", 0, false},
		{"a padded revision does not parse", "sh.helm.release.v1.shop.v03", "", 0, false},
		{"a signed revision does not parse", "sh.helm.release.v1.shop.v+3", "", 0, false},
		{"an overflowing revision does not parse", "sh.helm.release.v1.shop.v99999999999999999999", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release, revision, ok := ParseReleaseSecretName(tt.secret)
			if release != tt.wantRelease || revision != tt.wantRevision || ok != tt.wantOK {
				t.Errorf("ParseReleaseSecretName(%s) = %q, %d, %v, want %q, %d, %v",
					tt.secret, release, revision, ok, tt.wantRelease, tt.wantRevision, tt.wantOK)
			}
		})
	}
}

func FuzzParseReleaseSecretName(f *testing.F) {
	for _, seed := range []string{"sh.helm.release.v1.shop.v3", "sh.helm.release.v1.a.v1.v2", "sh.helm.release.v1..v1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		release, revision, ok := ParseReleaseSecretName(name)
		if !ok {
			return
		}
		if got := ReleaseSecretName(release, revision); got != name {
			t.Errorf("ReleaseSecretName(ParseReleaseSecretName(%q)) = %q, want the input", name, got)
		}
	})
}
