package mlservice

import (
	"sync"
	"time"
)

// State is a Breaker's state as shown in health checks and metrics.
type State string

// Breaker states.
const (
	StateClosed   State = "closed"
	StateOpen     State = "open"
	StateHalfOpen State = "half_open"
)

// Breaker is a circuit breaker for one endpoint: closed until threshold consecutive failures, then
// open (calls refused) for the cool-off, then half-open letting one probe through, which closes it
// on success or reopens it on failure. It is safe for concurrent use.
//
// It is written here rather than taken from github.com/sony/gobreaker because this package may not
// change go.mod, and the behaviour needed is about sixty lines.
type Breaker struct {
	threshold int
	coolOff   time.Duration
	now       func() time.Time

	mu       sync.Mutex
	failures int
	openedAt time.Time
	open     bool
	probing  bool
}

// NewBreaker returns a closed Breaker; threshold <= 0 means 5, coolOff <= 0 means 30s, now nil
// means time.Now.
func NewBreaker(threshold int, coolOff time.Duration, now func() time.Time) *Breaker {
	if threshold <= 0 {
		threshold = 5
	}
	if coolOff <= 0 {
		coolOff = 30 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &Breaker{threshold: threshold, coolOff: coolOff, now: now}
}

// State returns the current state; an open breaker whose cool-off has passed reports half_open.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state()
}

func (b *Breaker) state() State {
	switch {
	case !b.open:
		return StateClosed
	case b.probing || b.now().Sub(b.openedAt) >= b.coolOff:
		return StateHalfOpen
	default:
		return StateOpen
	}
}

// Allow reports whether a call may go out. In half-open state only one probe is allowed until it
// is recorded. Every allowed call must be followed by Record or Release.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state() {
	case StateClosed:
		return true
	case StateHalfOpen:
		if b.probing {
			return false
		}
		b.probing = true
		return true
	default:
		return false
	}
}

// Record records the outcome of an allowed call.
func (b *Breaker) Record(success bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if success {
		b.failures, b.open = 0, false
		return
	}
	b.failures++
	if b.open || b.failures >= b.threshold {
		b.open, b.openedAt = true, b.now()
	}
}

// Release gives back an allowed call without an outcome (the caller gave up), freeing the half-open
// probe.
func (b *Breaker) Release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}
