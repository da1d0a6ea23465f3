package remediation

import (
	"time"

	"k8s.io/apimachinery/pkg/types"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/guardrail"
)

// run is what this process knows of one workflow besides its recorded status. The recorded
// status is the truth after a restart; within a process, run also guards against the informer
// cache showing an older status than the one just written.
type run struct {
	// uid is the workflow's UID: a workflow recreated under the same name starts a new run.
	uid types.UID
	// decided is a failure decided but maybe not recorded yet; retries record it, nothing else.
	decided *failure
	// permit is live while the workflow holds its target.
	permit *guardrail.Permit
	// held says this process was admitted for the workflow: a released permit is not resumed
	// as if the engine had restarted; the gate is asked again with every check.
	held bool
	// appliedAt is when this process made the change; zero before.
	appliedAt time.Time
	// waitingSince is the first retryable refusal of the gate the workflow is waiting out;
	// planningSince the first planning error since the last plan.
	waitingSince, planningSince time.Time
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

// adopt ties the run to the workflow's UID; a run of an earlier workflow of the same name is
// dropped (its permit released) first.
func (e *Executor) adopt(name string, uid types.UID) {
	e.mu.Lock()
	r := e.runs[name]
	stale := r != nil && r.uid != "" && r.uid != uid
	e.mu.Unlock()
	if stale {
		e.drop(name, guardrail.NotApplied)
	}
	e.mu.Lock()
	e.runOf(name).uid = uid
	e.mu.Unlock()
}

// failure is how a workflow ends when a step fails.
type failure struct {
	phase           v1alpha1.WorkflowPhase
	reason, message string
	escalate        bool
}

// decide remembers the failure before it is recorded.
func (e *Executor) decide(name string, f failure) {
	e.mu.Lock()
	e.runOf(name).decided = &f
	e.mu.Unlock()
}

// decidedFailure is the failure decided for the workflow and not yet seen recorded.
func (e *Executor) decidedFailure(name string) *failure {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.runs[name]; r != nil {
		return r.decided
	}
	return nil
}

// keep holds p for the workflow until release or drop.
func (e *Executor) keep(name string, p *guardrail.Permit) {
	e.mu.Lock()
	r := e.runOf(name)
	had := r.permit != nil
	r.permit, r.held, r.waitingSince = p, true, time.Time{}
	delete(e.resuming, name)
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
	delete(e.resuming, name)
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

// clock picks one of a run's clocks: the time of the first event of a kind since the clock was
// last reset.
type clock func(*run) *time.Time

var (
	// gateWaits starts at the first retryable refusal of the gate the workflow waits out; it is
	// reset when the workflow holds a permit or starts waiting for approval.
	gateWaits clock = func(r *run) *time.Time { return &r.waitingSince }
	// planFailures starts at the first planning error; it is reset when planning succeeds.
	planFailures clock = func(r *run) *time.Time { return &r.planningSince }
)

// since starts the workflow's clock c if it is not running and returns how long it has run.
func (e *Executor) since(name string, c clock, now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := c(e.runOf(name))
	if t.IsZero() {
		*t = now
	}
	return now.Sub(*t)
}

// reset stops the workflow's clock c.
func (e *Executor) reset(name string, c clock) {
	e.mu.Lock()
	*c(e.runOf(name)) = time.Time{}
	e.mu.Unlock()
}

// ResumeFirst holds new admissions back until the named workflows, which had acted before a
// restart, have taken their targets' locks again (or until deadline): the gate's seeded history
// does not hold locks, so a new action could otherwise slip in beside a resumed one.
func (e *Executor) ResumeFirst(names []string, deadline time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range names {
		e.resuming[n] = true
	}
	e.resumeBy = deadline
}

// waitForResumes says new admissions must wait for resumed workflows.
func (e *Executor) waitForResumes(now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.resuming) > 0 && now.Before(e.resumeBy)
}
