package health

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// State is a dependency's condition.
type State string

// Dependency states, as the contract names them.
const (
	// OK means the dependency answers as expected.
	OK State = "ok"
	// Degraded means it answers, but not fully (an error status, some models missing).
	Degraded State = "degraded"
	// Down means it does not answer.
	Down State = "down"
	// Disabled means it is not configured; the features that need it are off.
	Disabled State = "disabled"
	// Unknown means it has not been checked yet.
	Unknown State = "unknown"
)

// Result is the outcome of one check.
type Result struct {
	// Status is the dependency's state.
	Status State `json:"status"`
	// Message says why, in words a person can act on.
	Message string `json:"message"`
	// LatencyMS is how long the check took, in milliseconds.
	LatencyMS float64 `json:"latency_ms"`
	// CheckedAt is when the check finished; zero before the first check.
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// CheckFunc checks one dependency. It must honour ctx's deadline.
type CheckFunc func(ctx context.Context) Result

// Monitor runs registered checks on demand and caches their results.
type Monitor struct {
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	group   singleflight.Group

	mu      sync.RWMutex
	names   []string
	checks  map[string]CheckFunc
	results map[string]Result
}

// NewMonitor returns a Monitor whose results stay fresh for ttl and whose checks are cut off
// after timeout.
func NewMonitor(ttl, timeout time.Duration) *Monitor {
	return &Monitor{ttl: ttl, timeout: timeout, now: time.Now, checks: map[string]CheckFunc{}, results: map[string]Result{}}
}

// Register adds a named check. Registering a name twice replaces the check.
func (m *Monitor) Register(name string, fn CheckFunc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.checks[name]; !ok {
		m.names = append(m.names, name)
	}
	m.checks[name] = fn
	delete(m.results, name)
}

// RegisterDisabled adds a dependency that is not configured; it always reports Disabled.
func (m *Monitor) RegisterDisabled(name, message string) {
	m.Register(name, func(context.Context) Result { return Result{Status: Disabled, Message: message} })
}

// Cached returns the last result of every check without calling any dependency.
func (m *Monitor) Cached() map[string]Result {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]Result, len(m.names))
	for _, n := range m.names {
		r, ok := m.results[n]
		if !ok {
			r = Result{Status: Unknown, Message: "not checked yet"}
		}
		out[n] = r
	}
	return out
}

// Check returns fresh results for the named checks (all when none is named), refreshing those
// older than the cache period concurrently. Callers that ask at the same time share one call.
func (m *Monitor) Check(ctx context.Context, names ...string) map[string]Result {
	m.mu.RLock()
	if len(names) == 0 {
		names = append([]string(nil), m.names...)
	}
	m.mu.RUnlock()

	out := make(map[string]Result, len(names))
	var wg sync.WaitGroup
	var outMu sync.Mutex
	for _, n := range names {
		wg.Go(func() {
			r := m.one(ctx, n)
			outMu.Lock()
			out[n] = r
			outMu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// Latest is Check for request handlers: a check that has a result returns it at once, however
// old, and a stale one is refreshed in the background, so a hanging dependency never holds up
// the caller. Only a check that has never run is waited for.
func (m *Monitor) Latest(ctx context.Context, names ...string) map[string]Result {
	m.mu.RLock()
	if len(names) == 0 {
		names = append([]string(nil), m.names...)
	}
	out := make(map[string]Result, len(names))
	var missing []string
	for _, n := range names {
		r, ok := m.results[n]
		switch {
		case !ok:
			missing = append(missing, n)
			continue
		case m.now().Sub(r.CheckedAt) >= m.ttl:
			m.refresh(ctx, n)
		}
		out[n] = r
	}
	m.mu.RUnlock()
	if len(missing) > 0 { // Check with no names checks them all
		for n, r := range m.Check(ctx, missing...) {
			out[n] = r
		}
	}
	return out
}

func (m *Monitor) one(ctx context.Context, name string) Result {
	m.mu.RLock()
	fn, ok := m.checks[name]
	r, cached := m.results[name]
	m.mu.RUnlock()
	if !ok {
		return Result{Status: Unknown, Message: "no such check"}
	}
	if cached && m.now().Sub(r.CheckedAt) < m.ttl {
		return r
	}
	ch := m.run(ctx, name, fn)
	select {
	case v := <-ch:
		return v.Val.(Result)
	case <-ctx.Done():
		return Result{Status: Unknown, Message: "check abandoned: " + ctx.Err().Error()}
	}
}

// refresh starts the named check in the background (joining one in flight); m.mu is held.
func (m *Monitor) refresh(ctx context.Context, name string) {
	if fn, ok := m.checks[name]; ok {
		m.run(ctx, name, fn)
	}
}

// run runs fn once for all callers of name at the same time, bounded by the timeout.
func (m *Monitor) run(ctx context.Context, name string, fn CheckFunc) <-chan singleflight.Result {
	return m.group.DoChan(name, func() (any, error) {
		// The shared call must not die with the first caller's request.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.timeout)
		defer cancel()
		start := m.now()
		res := fn(cctx)
		res.LatencyMS = float64(m.now().Sub(start).Microseconds()) / 1000
		res.CheckedAt = m.now().UTC()
		m.mu.Lock()
		if _, still := m.checks[name]; still {
			m.results[name] = res
		}
		m.mu.Unlock()
		return res, nil
	})
}
