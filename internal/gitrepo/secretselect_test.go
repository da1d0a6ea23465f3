package gitrepo_test

import (
	"testing"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
)

func secret(typ, url, user string) gitrepo.RepoSecret {
	return gitrepo.RepoSecret{Type: typ, Data: map[string][]byte{"url": []byte(url), "username": []byte(user)}}
}

func TestSelectSecret(t *testing.T) {
	t.Parallel()
	repo := secret(gitrepo.SecretTypeRepository, "https://git.example.com/org/app.git", "repo")
	other := secret(gitrepo.SecretTypeRepository, "https://git.example.com/org/other.git", "other")
	orgCreds := secret(gitrepo.SecretTypeRepoCreds, "https://git.example.com/org", "org")
	hostCreds := secret(gitrepo.SecretTypeRepoCreds, "https://git.example.com", "host")
	unlabelled := secret("", "https://git.example.com/org/app.git", "unlabelled")
	for _, tc := range []struct {
		name    string
		secrets []gitrepo.RepoSecret
		url     string
		want    string // username of the chosen Secret, "" for none
	}{
		{name: "an exact repository Secret wins over a longer prefix", secrets: []gitrepo.RepoSecret{orgCreds, repo, hostCreds}, url: "https://git.example.com/org/app.git", want: "repo"},
		{name: "repository URLs match without .git and in any case", secrets: []gitrepo.RepoSecret{repo}, url: "HTTPS://git.example.com/org/app/", want: "repo"},
		{name: "the longest repo-creds prefix wins", secrets: []gitrepo.RepoSecret{hostCreds, orgCreds, other}, url: "https://git.example.com/org/app.git", want: "org"},
		{name: "a repository Secret for another repository does not apply", secrets: []gitrepo.RepoSecret{other}, url: "https://git.example.com/org/app.git"},
		{name: "a Secret without the type label does not apply", secrets: []gitrepo.RepoSecret{unlabelled}, url: "https://git.example.com/org/app.git"},
		{name: "no Secrets", url: "https://git.example.com/org/app.git"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := gitrepo.SelectSecret(tc.secrets, tc.url)
			if user := string(got.Data["username"]); user != tc.want || ok != (tc.want != "") {
				t.Errorf("SelectSecret(%s) = %q, %v, want %q", tc.url, user, ok, tc.want)
			}
		})
	}
}
