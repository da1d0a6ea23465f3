// Package apiauth decides who may call the engine's API. Three modes: none (everyone may do
// everything, the platform's clients send no token today), token (static bearer tokens from a
// file mounted from a Secret, each with the role read or write), and kubernetes (the bearer
// token is checked with a TokenReview, then a SubjectAccessReview asks the cluster's RBAC
// whether that identity may use the API: verb get for reads, create/update/delete for writes,
// on the virtual resource "api" of group coordination.selfhealing.dev in the engine's
// namespace).
//
// Errors are *Error, whose Status is 401 (no or an unknown token), 403 (known but not allowed)
// or 503 (the cluster could not be asked); the HTTP layer maps them.
package apiauth
