// Package guardrail is the only path by which the engine changes the cluster. The Gate decides
// whether an action may go ahead (pause, protected namespaces, per-target lock, dedup, cooldown,
// budgets, blast radius, conflicts, approval), as an ordered chain of pure checks that fail
// closed; it hands out a Permit. The Writer makes a recorded Change only under a live Permit and
// emits one Event, one metric and one log line per action. Strategies get a reader and the
// Writer, never a writing client.
package guardrail
