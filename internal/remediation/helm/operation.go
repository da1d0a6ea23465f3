package helm

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"helm.sh/helm/v4/pkg/action"

	"selfhealing.dev/coordination-engine/internal/chartvalues"
)

// Kinds of operation.
const (
	kindRollback = "rollback"
	kindUpgrade  = "upgrade"
)

// operation is what Apply (Change.Patch) or Undo (Change.Undo) does to a release, as JSON.
type operation struct {
	// Release and Namespace name the release.
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
	// Revision is the release's latest revision when the operation was planned; it runs only
	// while that is still the latest, and makes revision Revision+1.
	Revision int `json:"revision"`
	// Kind is rollback or upgrade.
	Kind string `json:"kind"`
	// ToRevision is the revision a rollback returns to.
	ToRevision int `json:"toRevision,omitempty"`
	// FromRevision is the revision whose chart and user-supplied values an upgrade takes.
	FromRevision int `json:"fromRevision,omitempty"`
	// Path and Value are the override an upgrade adds to those values.
	Path  chartvalues.Path `json:"path,omitempty"`
	Value any              `json:"value,omitempty"`
	// MarkFailed, when set, is a stuck pending revision (= Revision) to mark failed first.
	MarkFailed int `json:"markFailed,omitempty"`
	// Description is written on the revision the operation makes; a revision above Revision
	// whose description starts with it is the operation's own.
	Description string `json:"description"`
}

// describe is the revision description marking an operation of workflow planned at revision
// for what, within Helm's 256 characters.
func describe(workflow string, revision int, what string) string {
	if workflow == "" {
		workflow = "(no workflow)"
	}
	d := fmt.Sprintf("coordination-engine %s at revision %d: %s", workflow, revision, what)
	return truncate(d, action.MaxDescriptionLength-56) // room for Helm's failure message after it
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (op operation) encode() string {
	b, _ := json.Marshal(op)
	return string(b)
}

func decode(s string) (operation, error) {
	var op operation
	if err := json.Unmarshal([]byte(s), &op); err != nil || op.Release == "" || op.Description == "" {
		return operation{}, fmt.Errorf("%w: %q", ErrBadChange, s)
	}
	return op, nil
}

// ours says whether description marks a revision as op's.
func (op operation) ours(description string) bool {
	return strings.HasPrefix(description, op.Description)
}
