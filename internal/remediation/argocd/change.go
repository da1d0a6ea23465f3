package argocd

import (
	"encoding/json"
	"fmt"
	"strings"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/manifestedit"
)

// gitChange is what a planned change does, recorded as the Change's Patch (and, with Revert
// set, its Undo): enough to make it again on a fresh clone after the branch moved or the
// engine restarted, and to find the commit it made.
type gitChange struct {
	// Application is the Application's namespace and name; Source the index of the edited
	// source.
	AppNamespace string `json:"appNamespace"`
	AppName      string `json:"appName"`
	Source       int    `json:"source"`
	// RepoURL, Path and Branch are the edited source; Branch is its targetRevision.
	RepoURL string `json:"repoURL"`
	Path    string `json:"path"`
	Branch  string `json:"branch"`
	// SourceType is how the source renders: Directory, Kustomize or Helm.
	SourceType string `json:"sourceType"`
	// Namespace is the Application's destination namespace.
	Namespace string `json:"namespace"`
	// Target is the workload and Field/Value the edit (for Helm sources: ValuesFile and
	// ValuesPath set Value).
	Target     manifestedit.Target `json:"target"`
	Field      string              `json:"field"`
	Value      string              `json:"value"`
	Old        string              `json:"old,omitempty"`
	ValuesFile string              `json:"valuesFile,omitempty"`
	ValuesPath string              `json:"valuesPath,omitempty"`
	HelmValue  string              `json:"helmValue,omitempty"`
	// Files are the files the plan changed (relative to the repository root); none when Git
	// already had the value and only a sync is needed.
	Files []string `json:"files,omitempty"`
	// Base is the commit the plan was computed on.
	Base string `json:"base"`
	// Review is the branch the change goes to for review ("" pushes to Branch).
	Review string `json:"review,omitempty"`
	// Workflow and Incident name who made it; the commit message carries them.
	Workflow string `json:"workflow"`
	Incident string `json:"incident"`
	// Message is the commit message.
	Message string `json:"message"`
	// Revert marks the undo: revert the commit the change made.
	Revert bool `json:"revert,omitempty"`
}

// encode is the JSON of c.
func (c gitChange) encode() (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode the Git change: %w", err)
	}
	return string(b), nil
}

// decodeChange reads a recorded gitChange.
func decodeChange(s string) (gitChange, error) {
	var c gitChange
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("decode the recorded Git change: %w", err)
	}
	if c.RepoURL == "" || c.AppName == "" || c.Workflow == "" {
		return c, fmt.Errorf("decode the recorded Git change: repoURL, appName and workflow are required")
	}
	return c, nil
}

// trailerWorkflow is the commit-message trailer that names the workflow; the strategy finds its
// commit by it after a restart.
const trailerWorkflow = "Coordination-Engine-Workflow"

// commitMessage names what changed, the incident and why.
func commitMessage(summary string, act action.Action) string {
	var b strings.Builder
	fmt.Fprintf(&b, "coordination-engine: %s\n\n", summary)
	if act.Reason != "" {
		fmt.Fprintf(&b, "Reason: %s\n", oneLine(act.Reason))
	}
	fmt.Fprintf(&b, "Incident: %s\nAction: %s\n%s: %s\n", act.Incident, act.Type, trailerWorkflow, act.Workflow)
	return b.String()
}

// revertMessage is the message of the commit that undoes c's.
func revertMessage(c gitChange, commit string) string {
	return fmt.Sprintf("coordination-engine: revert %s\n\nThe change did not heal %s %s/%s; this reverts commit %s.\n\nIncident: %s\n%s: %s\n",
		short(commit), c.Target.Kind, c.Target.Namespace, c.Target.Name, commit, c.Incident, trailerWorkflow, c.Workflow)
}

// ourCommit says whether a commit message is the engine's change (not its revert) for workflow.
func ourCommit(message, workflow string) bool {
	return !strings.HasPrefix(message, "coordination-engine: revert ") &&
		strings.Contains(message, "\n"+trailerWorkflow+": "+workflow+"\n")
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
