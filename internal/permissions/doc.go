// Package permissions checks, with SelfSubjectAccessReviews, that the engine's identity holds the
// permissions its features need. A missing permission degrades the feature that needs it and is
// reported in /api/v1/health; it never stops the engine.
package permissions
