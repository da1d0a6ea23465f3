package guardrail

import "selfhealing.dev/coordination-engine/internal/action"

// TestPermit returns a live permit for act that no Gate issued and whose Done records nothing.
// It is for tests of strategies, which need a permit to call the Writer; production code gets
// permits only from the Gate.
func TestPermit(act action.Action) *Permit { return newPermit(act, nil) }
