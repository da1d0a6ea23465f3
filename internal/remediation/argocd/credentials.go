package argocd

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// LabelSecretType marks Argo CD's repository Secrets with their type.
const LabelSecretType = "argocd.argoproj.io/secret-type"

// Argo CD's repository Secret types: a repository's own Secret (data.url is the repository) and
// credential templates (data.url is a prefix), each for reading or, for the source hydrator,
// writing.
const (
	SecretTypeRepository      = "repository"
	SecretTypeRepoCreds       = "repo-creds"
	SecretTypeRepositoryWrite = "repository-write"
	SecretTypeRepoCredsWrite  = "repo-write-creds"
	// SecretTypeConfigured marks the Secret the engine was configured with.
	SecretTypeConfigured = "configured"
)

// credentialKeys are the data keys of a repository Secret that make it hold credentials
// (Argo CD's Repository.HasCredentials).
var credentialKeys = []string{"username", "password", "bearerToken", "sshPrivateKey", "tlsClientCertData",
	"githubAppPrivateKey", "useAzureWorkloadIdentity", "azureServicePrincipalClientSecret"}

// Credentials are the data of the Secret that authenticates to a repository.
type Credentials struct {
	// Secret is where they came from, for evidence.
	Secret types.NamespacedName
	// Type is the Secret's Argo CD type, or SecretTypeConfigured.
	Type string
	// Data is the Secret's data (url, username, password, sshPrivateKey, ...). Never log it.
	Data map[string][]byte
}

// FindCredentials returns the credentials for repoURL. A configured Secret (Name set) wins and
// must exist, and it serves only the repositories its url names (the same URL, or a prefix, as
// for Argo CD's credential templates): an Application pointed at another host never gets its
// credentials (ErrNoCredentials: anonymous, read-only). Otherwise it reads Argo CD's repository Secrets in namespace (Argo CD's) as Argo CD
// resolves them, write Secrets before read ones: the repository Secret whose url is repoURL
// (normalised: case, .git suffix, scp-style SSH), the project's before one for every project,
// when it holds credentials; else the credential template with the longest url prefix of
// repoURL. None is an error wrapping ErrNoCredentials.
func FindCredentials(ctx context.Context, r client.Reader, namespace, repoURL, project string, configured types.NamespacedName) (Credentials, error) {
	if configured.Name != "" {
		s := &corev1.Secret{}
		if err := r.Get(ctx, configured, s); err != nil {
			return Credentials{}, fmt.Errorf("read repository Secret %s: %w", configured, err)
		}
		prefix := normalizeGitURL(string(s.Data["url"]))
		if prefix == "" || !strings.HasPrefix(normalizeGitURL(repoURL), prefix) {
			return Credentials{}, fmt.Errorf("%w for %s: the configured Secret %s serves %q only", ErrNoCredentials, repoURL, configured, string(s.Data["url"]))
		}
		return Credentials{Secret: configured, Type: SecretTypeConfigured, Data: s.Data}, nil
	}
	selector, err := labels.NewRequirement(LabelSecretType, selection.In,
		[]string{SecretTypeRepositoryWrite, SecretTypeRepoCredsWrite, SecretTypeRepository, SecretTypeRepoCreds})
	if err != nil {
		return Credentials{}, fmt.Errorf("select repository Secrets: %w", err)
	}
	list := &corev1.SecretList{}
	if err := r.List(ctx, list, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: labels.NewSelector().Add(*selector)}); err != nil {
		return Credentials{}, fmt.Errorf("list repository Secrets in %s: %w", namespace, err)
	}
	if c, ok := PickCredentials(list.Items, repoURL, project); ok {
		return c, nil
	}
	return Credentials{}, fmt.Errorf("%w for %s in namespace %s", ErrNoCredentials, repoURL, namespace)
}

// PickCredentials chooses among Argo CD's repository Secrets as FindCredentials describes.
func PickCredentials(secrets []corev1.Secret, repoURL, project string) (Credentials, bool) {
	for _, pair := range [][2]string{{SecretTypeRepositoryWrite, SecretTypeRepoCredsWrite}, {SecretTypeRepository, SecretTypeRepoCreds}} {
		if s := repositorySecret(secrets, pair[0], repoURL, project); s != nil && hasCredentials(s) {
			return credentialsOf(s, pair[0]), true
		}
		if s := credentialTemplate(secrets, pair[1], repoURL, project); s != nil {
			return credentialsOf(s, pair[1]), true
		}
	}
	return Credentials{}, false
}

func credentialsOf(s *corev1.Secret, typ string) Credentials {
	return Credentials{Secret: types.NamespacedName{Namespace: s.Namespace, Name: s.Name}, Type: typ, Data: s.Data}
}

// repositorySecret is Argo CD's getRepositorySecret: the Secret for the project, else one for
// every project.
func repositorySecret(secrets []corev1.Secret, typ, repoURL, project string) *corev1.Secret {
	var fallback *corev1.Secret
	for i := range secrets {
		s := &secrets[i]
		if s.Labels[LabelSecretType] != typ || !sameURL(string(s.Data["url"]), repoURL) {
			continue
		}
		switch string(s.Data["project"]) {
		case project:
			return s
		case "":
			if fallback == nil {
				fallback = s
			}
		}
	}
	return fallback
}

// credentialTemplate is Argo CD's getRepositoryCredentialIndex: the longest url prefix wins, the
// first of equal ones.
func credentialTemplate(secrets []corev1.Secret, typ, repoURL, project string) *corev1.Secret {
	var best *corev1.Secret
	longest := 0
	repo := normalizeGitURL(repoURL)
	for i := range secrets {
		s := &secrets[i]
		if s.Labels[LabelSecretType] != typ {
			continue
		}
		if p := string(s.Data["project"]); p != "" && p != project {
			continue // another project's credentials
		}
		prefix := normalizeGitURL(string(s.Data["url"]))
		if prefix != "" && strings.HasPrefix(repo, prefix) && len(prefix) > longest {
			best, longest = s, len(prefix)
		}
	}
	return best
}

func hasCredentials(s *corev1.Secret) bool {
	for _, k := range credentialKeys {
		if len(s.Data[k]) > 0 {
			return true
		}
	}
	return false
}

// sshURL matches SSH repository URLs, scp-style (git@host:org/repo) or ssh://, as Argo CD does.
var sshURL = regexp.MustCompile(`^(ssh://)?([^/:]*?)@[^@]+$`)

// normalizeGitURL is Argo CD's NormalizeGitURL: lower case, no .git suffix, scp-style SSH URLs
// as host/path; "" when the URL does not parse.
func normalizeGitURL(repo string) string {
	repo = strings.ToLower(strings.TrimSpace(repo))
	if sshURL.MatchString(repo) && !strings.HasPrefix(repo, "ssh://") {
		repo = "ssh://" + strings.Replace(repo, ":", "/", 1)
	}
	repo = strings.TrimSuffix(repo, ".git")
	u, err := url.Parse(repo)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.String(), "ssh://")
}

// sameURL is Argo CD's SameURL: the normalised URLs are equal (an unparsable one compared as is).
func sameURL(a, b string) bool {
	na, nb := normalizeGitURL(a), normalizeGitURL(b)
	if na == "" {
		na = a
	}
	if nb == "" {
		nb = b
	}
	return na != "" && na == nb
}
