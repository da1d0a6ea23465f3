package managedby

import (
	"strconv"
	"strings"
)

// Helm 3's release storage in Secrets (the default "secret" driver).
const (
	// ReleaseSecretType is the type of a Helm release Secret.
	ReleaseSecretType = "helm.sh/release.v1"
	// ReleaseSecretLabelOwner is set to "helm" on every release Secret.
	ReleaseSecretLabelOwner = "owner"
	// ReleaseSecretLabelName is the release name.
	ReleaseSecretLabelName = "name"
	// ReleaseSecretLabelStatus is the revision's status: deployed, superseded, failed, uninstalled, pending-*.
	ReleaseSecretLabelStatus = "status"
	// ReleaseSecretLabelVersion is the revision number.
	ReleaseSecretLabelVersion = "version"

	releaseSecretPrefix = "sh.helm.release.v1."
)

// ReleaseSecretName is the name of the Secret that stores a release's revision:
// sh.helm.release.v1.<release>.v<revision>. Helm counts revisions from 1.
func ReleaseSecretName(release string, revision int) string {
	return releaseSecretPrefix + release + ".v" + strconv.Itoa(revision)
}

// ParseReleaseSecretName is the inverse of ReleaseSecretName. It reports ok=false for any other
// name, including a revision that is not a positive decimal number without leading zeros.
// Release names may contain dots; the revision is the text after the last ".v".
func ParseReleaseSecretName(name string) (release string, revision int, ok bool) {
	rest, ok := strings.CutPrefix(name, releaseSecretPrefix)
	if !ok {
		return "", 0, false
	}
	i := strings.LastIndex(rest, ".v")
	if i <= 0 {
		return "", 0, false
	}
	release, digits := rest[:i], rest[i+len(".v"):]
	if digits == "" || digits[0] == '0' || strings.Trim(digits, "0123456789") != "" {
		return "", 0, false
	}
	revision, err := strconv.Atoi(digits)
	if err != nil {
		return "", 0, false
	}
	return release, revision, true
}
