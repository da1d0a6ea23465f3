package argocd_test

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"selfhealing.dev/coordination-engine/internal/remediation/argocd"
)

func repoSecret(namespace, name, typ string, data map[string]string) corev1.Secret {
	s := corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{argocd.LabelSecretType: typ}},
		Data:       map[string][]byte{},
	}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestPickCredentials(t *testing.T) {
	const ns = "argocd"
	org := repoSecret(ns, "org", argocd.SecretTypeRepoCreds, map[string]string{"url": "https://git.example.test/shop", "password": "t1"})
	host := repoSecret(ns, "host", argocd.SecretTypeRepoCreds, map[string]string{"url": "https://git.example.test", "password": "t0"})
	exact := repoSecret(ns, "exact", argocd.SecretTypeRepository, map[string]string{"url": "https://GIT.example.test/shop/deploy", "password": "t2"})
	bare := repoSecret(ns, "bare", argocd.SecretTypeRepository, map[string]string{"url": repoURL})
	project := repoSecret(ns, "project", argocd.SecretTypeRepository, map[string]string{"url": repoURL, "project": "shop", "password": "t3"})
	write := repoSecret(ns, "write", argocd.SecretTypeRepoCredsWrite, map[string]string{"url": "https://git.example.test/", "password": "w"})
	other := repoSecret(ns, "other", argocd.SecretTypeRepository, map[string]string{"url": "https://git.example.test/shop/other.git", "password": "x"})
	ssh := repoSecret(ns, "ssh", argocd.SecretTypeRepoCreds, map[string]string{"url": "git@git.example.test:shop", "sshPrivateKey": "k"})
	scoped := repoSecret(ns, "scoped", argocd.SecretTypeRepoCreds, map[string]string{"url": "https://git.example.test/shop", "project": "shop", "password": "t4"})
	tests := []struct {
		name    string
		secrets []corev1.Secret
		repo    string
		project string
		want    string
	}{
		{"the longest credential template prefix wins", []corev1.Secret{host, org, other}, repoURL, "", "org"},
		{"a repository Secret for the exact URL wins over templates", []corev1.Secret{org, exact}, repoURL, "", "exact"},
		{"a repository Secret without credentials falls back to a template", []corev1.Secret{bare, org}, repoURL, "", "org"},
		{"the project's repository Secret wins over one for every project", []corev1.Secret{exact, project}, repoURL, "shop", "project"},
		{"another project's repository Secret is not used", []corev1.Secret{project, host}, repoURL, "web", "host"},
		{"write credentials win over read ones", []corev1.Secret{exact, write}, repoURL, "", "write"},
		{"an scp-style SSH template matches an scp-style URL", []corev1.Secret{ssh, host}, "git@git.example.test:shop/deploy.git", "", "ssh"},
		{"a project's credential template serves its project", []corev1.Secret{host, scoped}, repoURL, "shop", "scoped"},
		{"another project's credential template is not used", []corev1.Secret{host, scoped}, repoURL, "web", "host"},
		{"nothing matches another host", []corev1.Secret{org, exact}, "https://elsewhere.example.test/shop/deploy.git", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := argocd.PickCredentials(tt.secrets, tt.repo, tt.project)
			if got.Secret.Name != tt.want || ok != (tt.want != "") {
				t.Errorf("PickCredentials(%s) = %s, %v; want %q", tt.repo, got.Secret, ok, tt.want)
			}
		})
	}
}

func TestFindCredentialsReadsArgoCDsSecrets(t *testing.T) {
	c := env.Client(t)
	ns := env.Namespace(t)
	for _, s := range []corev1.Secret{
		repoSecret(ns, "org", argocd.SecretTypeRepoCreds, map[string]string{"url": "https://git.example.test/shop", "password": "t1"}),
		repoSecret(ns, "host", argocd.SecretTypeRepoCreds, map[string]string{"url": "https://git.example.test", "password": "t0"}),
		repoSecret(ns, "cluster", "cluster", map[string]string{"url": repoURL, "password": "no"}),
		repoSecret(ns, "configured", "none", map[string]string{"url": "https://git.example.test/shop", "password": "mine"}),
	} {
		if err := c.Create(t.Context(), &s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := argocd.FindCredentials(t.Context(), c, ns, repoURL, "default", types.NamespacedName{})
	if err != nil || got.Secret.Name != "org" || string(got.Data["password"]) != "t1" || got.Type != argocd.SecretTypeRepoCreds {
		t.Errorf("FindCredentials() = %s (%s), %v; want org", got.Secret, got.Type, err)
	}
	configured := types.NamespacedName{Namespace: ns, Name: "configured"}
	got, err = argocd.FindCredentials(t.Context(), c, ns, repoURL, "default", configured)
	if err != nil || got.Secret != configured || got.Type != argocd.SecretTypeConfigured {
		t.Errorf("FindCredentials(configured) = %s (%s), %v; want the configured Secret", got.Secret, got.Type, err)
	}
	if _, err := argocd.FindCredentials(t.Context(), c, ns, "https://elsewhere.example.test/x.git", "default", types.NamespacedName{}); !errors.Is(err, argocd.ErrNoCredentials) {
		t.Errorf("FindCredentials(elsewhere) error = %v, want ErrNoCredentials", err)
	}
	// The configured Secret's token never goes to a host its url does not name.
	if got, err := argocd.FindCredentials(t.Context(), c, ns, "https://attacker.example.test/x.git", "default", configured); !errors.Is(err, argocd.ErrNoCredentials) || got.Data != nil {
		t.Errorf("FindCredentials(configured, another host) = %s, %v; want ErrNoCredentials and no data", got.Secret, err)
	}
}
