// Package managedby decides how a workload is deployed — Argo CD, Flux, Helm, an operator, or by
// hand — from facts gathered about its top controller, and says why. Decide is pure: it reads no
// cluster and turns Facts into a Result with a confidence and evidence. The Resolver gathers the
// Facts (owner chain, labels, annotations, Applications, Helm release Secrets, OLM labels) from
// metadata-only caches, caches the Resolutions until a watch event changes what they were decided
// from, and never writes to the cluster.
//
// # Precedence and confidence
//
// Decide runs an ordered chain of checks on the top controller's metadata. Every check runs and
// records its evidence; the first check that claims the workload decides the method:
//
//	order  check                                                               method    confidence
//	1      argocd.argoproj.io/tracking-id names this object, Application exists  argocd    0.99
//	       ... Application not confirmed (API absent, unreadable or not found)   argocd    0.95
//	       ... names another object (copied from elsewhere)                      argocd    0.70
//	2      label argocd.argoproj.io/instance                                     argocd    0.90
//	3      Flux labels (HelmRelease, Kustomization), or a Helm release that a    flux      0.90
//	       Flux HelmRelease owns
//	4      label app.kubernetes.io/instance and an Application of that name      argocd    0.85
//	5      meta.helm.sh/release-name and a live release Secret                   helm      0.95
//	       ... and label app.kubernetes.io/managed-by: Helm, no Secret found     helm      0.80
//	       ... annotation alone                                                  helm      0.70
//	       ... the release Secret says uninstalled                               no claim
//	6      controller owner reference to a custom resource, OLM names operator   operator  0.90
//	       ... without OLM labels                                                operator  0.85
//	       top object installed by OLM (olm.owner labels)                        operator  0.90
//	-      nothing claims and no evidence at all                                 manual    0.60
//	-      nothing claims but some hints were seen                               manual    0.40
//	-      nothing claims and the resolver reported gaps, or no top object       unknown   0
//
// Argo CD beats Helm because a Helm chart rendered by Argo CD is reconciled by Argo CD. Flux beats
// Helm because helm-controller reconciles the release. Flux's labels are specific to Flux, while
// app.kubernetes.io/instance is written by every Helm chart too, so Flux outranks that one label —
// but not Argo CD's annotation or its own label. GitOps and Helm outrank an operator because they
// are checked on the top controller: a custom resource that Argo CD or Helm applied is changed
// through Git or Helm, not patched live. A tracking id naming another object is still Argo CD, at
// 0.70: Argo CD itself ignores such copies, but the object is tied to a GitOps application and a
// low confidence routes it to a person rather than a live patch.
//
// Manual is never certain: labels can be stripped, an Argo CD on another cluster cannot be
// confirmed from this one, and tools this package does not know (kubectl in CI, Terraform, kapp)
// leave no common mark. Hence 0.60 at best. Gaps (what the resolver could not read) turn a
// would-be manual verdict into unknown: manual licenses direct patches, so it must not rest on
// facts nobody could read.
//
// # Wire form
//
// Result is the body of GET /api/v1/detect/deployment/{namespace}/{name} without detected_at, which
// the HTTP layer adds. Evidence items are objects {"kind", "detail", "method"} rather than strings,
// so that clients can group them by the method they point to ("method" is omitted when a fact
// points nowhere); evidence is never null, and details is an object of strings, never null.
package managedby
