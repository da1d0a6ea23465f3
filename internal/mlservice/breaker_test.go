package mlservice

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for breakers.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestBreakerLifecycle(t *testing.T) {
	clock := newFakeClock()
	b := NewBreaker(3, time.Minute, clock.Now)
	fail := func(n int) {
		for range n {
			if !b.Allow() {
				t.Fatalf("Allow() = false in state %s, want true", b.State())
			}
			b.Record(false)
		}
	}
	want := func(step string, s State) {
		t.Helper()
		if got := b.State(); got != s {
			t.Fatalf("%s: State() = %s, want %s", step, got, s)
		}
	}

	want("new", StateClosed)
	fail(2)
	b.Allow()
	b.Record(true)
	want("a success resets the count", StateClosed)
	fail(3)
	want("three consecutive failures open it", StateOpen)
	if b.Allow() {
		t.Fatal("Allow() while open = true, want false")
	}
	clock.Add(59 * time.Second)
	want("before the cool-off", StateOpen)
	clock.Add(time.Second)
	want("after the cool-off", StateHalfOpen)
	if !b.Allow() {
		t.Fatal("Allow() for the half-open probe = false, want true")
	}
	if b.Allow() {
		t.Fatal("Allow() for a second concurrent probe = true, want false")
	}
	b.Record(false)
	want("a failed probe reopens it", StateOpen)
	clock.Add(time.Minute)
	if !b.Allow() {
		t.Fatal("Allow() after the second cool-off = false, want true")
	}
	b.Release()
	if !b.Allow() {
		t.Fatal("Allow() after a released probe = false, want true")
	}
	b.Record(true)
	want("a successful probe closes it", StateClosed)
}

func TestBreakerDefaults(t *testing.T) {
	clock := newFakeClock()
	b := NewBreaker(0, 0, clock.Now)
	for range 4 {
		b.Allow()
		b.Record(false)
	}
	if got := b.State(); got != StateClosed {
		t.Fatalf("State() after 4 failures = %s, want closed (default threshold 5)", got)
	}
	b.Allow()
	b.Record(false)
	clock.Add(29 * time.Second)
	if got := b.State(); got != StateOpen {
		t.Fatalf("State() 29s after opening = %s, want open (default cool-off 30s)", got)
	}
	clock.Add(time.Second)
	if got := b.State(); got != StateHalfOpen {
		t.Fatalf("State() 30s after opening = %s, want half_open", got)
	}
}
