package apiauth

import (
	"context"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Group and Resource are the virtual resource a SubjectAccessReview asks about: grant verb get
// on it to readers, create, update and delete to those who may trigger remediation.
const (
	Group    = "coordination.selfhealing.dev"
	Resource = "api"
)

const (
	allowTTL = 30 * time.Second
	denyTTL  = 5 * time.Second
	maxCache = 4096
)

// Kubernetes authenticates with TokenReview and authorizes with SubjectAccessReview, caching
// each token's decision per verb briefly (allowed 30 s, refused 5 s), as the API server's own
// webhook authorizers do.
type Kubernetes struct {
	client    kubernetes.Interface
	namespace string
	now       func() time.Time

	mu    sync.Mutex
	cache map[cacheKey]decision
}

type cacheKey struct {
	token [sha256.Size]byte
	verb  string
}

type decision struct {
	name    string
	err     error
	expires time.Time
}

// NewKubernetes asks the cluster through client about the virtual resource in namespace.
func NewKubernetes(client kubernetes.Interface, namespace string) *Kubernetes {
	return &Kubernetes{client: client, namespace: namespace, now: time.Now, cache: map[cacheKey]decision{}}
}

// Authorize reviews the bearer token, then asks whether its user may use the verb of the
// request's method on the API.
func (k *Kubernetes) Authorize(ctx context.Context, r *http.Request) (string, error) {
	tok := bearer(r)
	if tok == "" {
		return "", unauthenticated("this engine requires a bearer token (API_AUTH_MODE=kubernetes): send a ServiceAccount token as Authorization: Bearer <token>")
	}
	key := cacheKey{token: sha256.Sum256([]byte(tok)), verb: verbFor(r.Method)}
	if d, ok := k.cached(key); ok {
		return d.name, d.err
	}
	name, err := k.decide(ctx, tok, key.verb)
	if unavailable(err) {
		return name, err // not cached: the next request asks again
	}
	ttl := allowTTL
	if err != nil {
		ttl = denyTTL
	}
	k.store(key, decision{name: name, err: err, expires: k.now().Add(ttl)})
	return name, err
}

func (k *Kubernetes) decide(ctx context.Context, tok, verb string) (string, error) {
	tr, err := k.client.AuthenticationV1().TokenReviews().Create(ctx, &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: tok}}, metav1.CreateOptions{})
	if err != nil {
		return "", &Error{Status: http.StatusServiceUnavailable, Message: "cannot verify the bearer token with the cluster (TokenReview): " + err.Error()}
	}
	if !tr.Status.Authenticated {
		return "", unauthenticated("the cluster does not accept the bearer token: %s", tr.Status.Error)
	}
	u := tr.Status.User
	extra := make(map[string]authzv1.ExtraValue, len(u.Extra))
	for key, v := range u.Extra {
		extra[key] = authzv1.ExtraValue(v)
	}
	sar, err := k.client.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User: u.Username, UID: u.UID, Groups: u.Groups, Extra: extra,
		ResourceAttributes: &authzv1.ResourceAttributes{Namespace: k.namespace, Verb: verb, Group: Group, Resource: Resource},
	}}, metav1.CreateOptions{})
	if err != nil {
		return u.Username, &Error{Status: http.StatusServiceUnavailable, Message: "cannot ask the cluster whether " + u.Username + " may use the API (SubjectAccessReview): " + err.Error()}
	}
	if !sar.Status.Allowed {
		return u.Username, forbidden("%s may not %s %s.%s in namespace %s; grant it in a Role (see docs/api.md, Authentication)", u.Username, verb, Resource, Group, k.namespace)
	}
	return u.Username, nil
}

func unavailable(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Status == http.StatusServiceUnavailable
}

func (k *Kubernetes) cached(key cacheKey) (decision, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	d, ok := k.cache[key]
	if !ok || !k.now().Before(d.expires) {
		return decision{}, false
	}
	return d, true
}

func (k *Kubernetes) store(key cacheKey, d decision) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.cache) >= maxCache {
		now := k.now()
		for key, old := range k.cache {
			if !now.Before(old.expires) {
				delete(k.cache, key)
			}
		}
		if len(k.cache) >= maxCache {
			clear(k.cache) // a flood of distinct tokens: start over rather than grow
		}
	}
	k.cache[key] = d
}

// verbFor maps a method to the RBAC verb asked about.
func verbFor(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return "get"
	case http.MethodPut, http.MethodPatch:
		return "update"
	case http.MethodDelete:
		return "delete"
	default:
		return "create"
	}
}
