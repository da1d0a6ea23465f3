package remediation

import "time"

// ExecutorOptions tune the executor. Zero values take the defaults below.
type ExecutorOptions struct {
	// VerifyWindow is how long the target must stay healthy, with stable restart counts, before
	// the workflow counts as verified. Default 30s.
	VerifyWindow time.Duration
	// VerifyTimeout is how long after the change the target may take to recover before the
	// engine undoes its change and escalates. Default 5m.
	VerifyTimeout time.Duration
	// VerifyInterval is how often verification looks at the target. Default 2s.
	VerifyInterval time.Duration
	// LockWait is how long a workflow waits for another workflow's lock on the same target
	// before it gives up. Default 2m.
	LockWait time.Duration
	// ApplyTimeout is how long a change may keep failing with retryable errors (a
	// PodDisruptionBudget that blocks an eviction, a conflict) before the step fails. Default 2m.
	ApplyTimeout time.Duration
	// RepeatLimit is how many applied workflows for the same target and issue within
	// RepeatWindow mean the fix keeps being reverted: the next one escalates instead of acting.
	// Default 3.
	RepeatLimit int
	// RepeatWindow is the window of RepeatLimit. Default 1h.
	RepeatWindow time.Duration
	// Workers is how many workflows are reconciled at once. Default 8.
	Workers int
}

func (o ExecutorOptions) withDefaults() ExecutorOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.VerifyWindow, 30*time.Second)
	def(&o.VerifyTimeout, 5*time.Minute)
	def(&o.VerifyInterval, 2*time.Second)
	def(&o.LockWait, 2*time.Minute)
	def(&o.ApplyTimeout, 2*time.Minute)
	def(&o.RepeatWindow, time.Hour)
	if o.RepeatLimit <= 0 {
		o.RepeatLimit = 3
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	return o
}
