package mlservice

import (
	"net/http"
	"time"
)

// MaxRetries caps Options.Retries.
const MaxRetries = 2

// Options configures the clients. Zero values take the defaults given per field.
type Options struct {
	// Client sends the requests; default a new http.Client without its own timeout.
	Client *http.Client
	// Timeout bounds one attempt; default 10s.
	Timeout time.Duration
	// Retries is how often a retryable call (connection error, timeout, 503) is retried; default
	// and maximum MaxRetries; negative means none.
	Retries int
	// Backoff is the wait before the first retry, doubled for each next one; default 200ms.
	Backoff time.Duration
	// FailureThreshold is the consecutive failures that open an endpoint's breaker; default 5.
	FailureThreshold int
	// CoolOff is how long a breaker stays open before a probe; default 30s.
	CoolOff time.Duration
	// Now is the breakers' clock; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	switch {
	case o.Retries < 0:
		o.Retries = 0
	case o.Retries == 0 || o.Retries > MaxRetries:
		o.Retries = MaxRetries
	}
	if o.Backoff <= 0 {
		o.Backoff = 200 * time.Millisecond
	}
	return o
}

func (o Options) newBreaker() *Breaker {
	return NewBreaker(o.FailureThreshold, o.CoolOff, o.Now)
}
