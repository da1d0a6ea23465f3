package remediation

import (
	"time"

	"selfhealing.dev/coordination-engine/internal/guardrail"
)

// run is what this process knows of one workflow besides its recorded status. The recorded
// status is the truth after a restart; within a process, run also guards against the informer
// cache showing an older status than the one just written.
type run struct {
	// permit is live while the workflow holds its target.
	permit *guardrail.Permit
	// held says this process was admitted for the workflow: a released permit is not resumed
	// as if the engine had restarted; the gate is asked again with every check.
	held bool
	// appliedAt is when this process made the change; zero before.
	appliedAt time.Time
	// waitingSince is the first retryable refusal the workflow is waiting out.
	waitingSince time.Time
	// healthySince starts the current run of healthy looks; zero when the last look was not.
	healthySince time.Time
	restarts     int64
}

// runOf returns the workflow's run, creating it; e.mu must be held.
func (e *Executor) runOf(name string) *run {
	r := e.runs[name]
	if r == nil {
		r = &run{}
		e.runs[name] = r
	}
	return r
}

// permit returns the workflow's live permit, if this process holds one, and whether this
// process held one at some point.
func (e *Executor) permit(name string) (p *guardrail.Permit, held bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.runs[name]; r != nil {
		return r.permit, r.held
	}
	return nil, false
}

// keep holds p for the workflow until release or drop.
func (e *Executor) keep(name string, p *guardrail.Permit) {
	e.mu.Lock()
	r := e.runOf(name)
	had := r.permit != nil
	r.permit, r.held, r.waitingSince = p, true, time.Time{}
	e.mu.Unlock()
	if !had && e.Metrics != nil {
		e.Metrics.ActiveActions.Inc()
	}
}

// release gives the workflow's permit back with the outcome; the run stays, so that a stale
// read of the workflow is not mistaken for a restart.
func (e *Executor) release(name string, o guardrail.Outcome) {
	e.mu.Lock()
	var p *guardrail.Permit
	if r := e.runs[name]; r != nil {
		p, r.permit = r.permit, nil
		if !r.appliedAt.IsZero() {
			o = guardrail.Applied
		}
	}
	e.mu.Unlock()
	if p != nil {
		p.Done(o)
		if e.Metrics != nil {
			e.Metrics.ActiveActions.Dec()
		}
	}
}

// drop releases the permit and forgets the workflow: it is finished (as read from the cache)
// or deleted.
func (e *Executor) drop(name string, o guardrail.Outcome) {
	e.release(name, o)
	e.mu.Lock()
	delete(e.runs, name)
	e.mu.Unlock()
}

// markApplied records that this process made the workflow's change at t.
func (e *Executor) markApplied(name string, t time.Time) {
	e.mu.Lock()
	e.runOf(name).appliedAt = t
	e.mu.Unlock()
}

// appliedAt is when this process made the workflow's change.
func (e *Executor) appliedAt(name string) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.runs[name]; r != nil && !r.appliedAt.IsZero() {
		return r.appliedAt, true
	}
	return time.Time{}, false
}

// waited is how long the workflow has been waiting out retryable refusals, from the first.
func (e *Executor) waited(name string, now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.runOf(name)
	if r.waitingSince.IsZero() {
		r.waitingSince = now
	}
	return now.Sub(r.waitingSince)
}
