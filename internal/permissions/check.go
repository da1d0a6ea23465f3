package permissions

import (
	"context"
	"fmt"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authorizationclient "k8s.io/client-go/kubernetes/typed/authorization/v1"
)

// Report is the result of one self-check.
type Report struct {
	// Checked is how many permissions were asked about.
	Checked int `json:"checked"`
	// Missing are the permissions the engine lacks.
	Missing []Requirement `json:"missing"`
	// CheckedAt is when the check ran.
	CheckedAt time.Time `json:"checked_at"`
}

// Checker asks the API server which of the requirements the engine's identity holds.
type Checker struct {
	reviews   authorizationclient.SelfSubjectAccessReviewInterface
	namespace string
	now       func() time.Time

	mu   sync.RWMutex
	last *Report
	err  error
}

// NewChecker returns a Checker that checks namespaced requirements in namespace.
func NewChecker(reviews authorizationclient.SelfSubjectAccessReviewInterface, namespace string) *Checker {
	return &Checker{reviews: reviews, namespace: namespace, now: time.Now}
}

// Check asks about every requirement, stores and returns the report. It fails only when the API
// server cannot be asked; a denied permission is a Missing row, not an error.
func (c *Checker) Check(ctx context.Context, reqs []Requirement) (Report, error) {
	r := Report{Checked: len(reqs), Missing: []Requirement{}, CheckedAt: c.now().UTC()}
	for _, req := range reqs {
		ok, err := c.allowed(ctx, req)
		if err != nil {
			c.store(nil, err)
			return Report{}, err
		}
		if !ok {
			r.Missing = append(r.Missing, req)
		}
	}
	c.store(&r, nil)
	return r, nil
}

func (c *Checker) allowed(ctx context.Context, req Requirement) (bool, error) {
	attrs := &authorizationv1.ResourceAttributes{
		Verb: req.Verb, Group: req.Group, Resource: req.Resource, Subresource: req.Subresource,
	}
	if req.Namespaced {
		attrs.Namespace = c.namespace
	}
	review := &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: attrs},
	}
	res, err := c.reviews.Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("review %s %s: %w", req.Verb, req.Resource, err)
	}
	return res.Status.Allowed, nil
}

func (c *Checker) store(r *Report, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r != nil {
		c.last = r
	}
	c.err = err
}

// Last returns the last report (nil before the first success) and the last attempt's error.
func (c *Checker) Last() (*Report, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.last, c.err
}
