package gitrepo

import "strings"

// Values of the argocd.argoproj.io/secret-type label that SelectSecret considers.
const (
	// SecretTypeRepository is a Secret for exactly one repository URL.
	SecretTypeRepository = "repository"
	// SecretTypeRepoCreds is a credential template for every repository whose URL starts with
	// its url.
	SecretTypeRepoCreds = "repo-creds"
)

// RepoSecret is one Argo CD credentials Secret as SelectSecret needs it: the value of its
// argocd.argoproj.io/secret-type label and its data.
type RepoSecret struct {
	// Type is the secret-type label: SecretTypeRepository or SecretTypeRepoCreds.
	Type string
	// Data is the Secret's data.
	Data map[string][]byte
}

// SelectSecret picks the credentials for repoURL as Argo CD does: a repository Secret whose
// url is the same repository wins; else the repo-creds Secret with the longest url that
// prefixes repoURL. URLs are compared normalized (case, a trailing slash and a .git suffix do
// not matter). The bool is false when no Secret applies (anonymous access).
func SelectSecret(secrets []RepoSecret, repoURL string) (RepoSecret, bool) {
	want := normalizeURL(repoURL)
	for _, s := range secrets {
		if s.Type == SecretTypeRepository && normalizeURL(string(s.Data[KeyURL])) == want {
			return s, true
		}
	}
	best, bestLen := -1, 0
	for i, s := range secrets {
		prefix := normalizeURL(string(s.Data[KeyURL]))
		if s.Type != SecretTypeRepoCreds || prefix == "" || !strings.HasPrefix(want, prefix) {
			continue
		}
		if len(prefix) > bestLen {
			best, bestLen = i, len(prefix)
		}
	}
	if best < 0 {
		return RepoSecret{}, false
	}
	return secrets[best], true
}

// normalizeURL makes URLs of one repository compare equal: lower case, no surrounding space,
// no trailing slash, no .git suffix.
func normalizeURL(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.TrimSuffix(u, "/")
	return strings.TrimSuffix(u, ".git")
}
