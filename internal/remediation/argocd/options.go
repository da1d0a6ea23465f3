package argocd

import (
	"time"

	"k8s.io/apimachinery/pkg/types"

	"selfhealing.dev/coordination-engine/internal/gitrepo"
)

// Push modes: where the strategy pushes its commits.
const (
	// PushTarget pushes to the branch the Application deploys from, then asks for a sync.
	PushTarget = "target"
	// PushReview pushes to a branch of its own for people to review and merge; nothing is synced.
	PushReview = "review"
)

// Options are the strategy's settings.
type Options struct {
	// PushMode is PushTarget (default) or PushReview.
	PushMode string
	// ReviewPrefix prefixes review branches: <prefix>/<workflow>.
	ReviewPrefix string
	// ArgoCDNamespace is where Argo CD's repository Secrets are; "" is each Application's
	// namespace (right unless Applications live in other namespaces than Argo CD).
	ArgoCDNamespace string
	// Credentials names a Secret whose credentials are used instead of Argo CD's repository
	// Secrets; an empty Name uses Argo CD's.
	Credentials types.NamespacedName
	// Author is the author of the engine's commits.
	Author gitrepo.Signature
	// WorkDir is where repositories are cloned ("" is the system's temporary directory).
	WorkDir string
	// HistoryLimit bounds how many earlier versions of a file an image rollback looks at.
	HistoryLimit int
	// MaxReplicas caps scaling, as for the other strategies.
	MaxReplicas int32
	// Attempts is how often a push that lost a race (the branch moved) is redone.
	Attempts int
	// Timeout bounds one plan, apply, undo or follow: clones, pushes and API calls together.
	// Default 2m.
	Timeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.PushMode == "" {
		o.PushMode = PushTarget
	}
	if o.ReviewPrefix == "" {
		o.ReviewPrefix = "coordination-engine"
	}
	if o.HistoryLimit <= 0 {
		o.HistoryLimit = 50
	}
	if o.MaxReplicas <= 0 {
		o.MaxReplicas = 10
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	return o
}
