package engine

import (
	"context"
	"time"

	"github.com/go-logr/logr"
)

// repeat calls fn at once and then every interval until ctx ends. After a failure it retries
// sooner, from one second doubling up to the interval, so that a cluster that comes back is
// noticed quickly; each failure is logged.
func repeat(ctx context.Context, interval time.Duration, log logr.Logger, fn func(context.Context) error) {
	first := min(time.Second, interval)
	retry := first
	for {
		wait := interval
		if err := fn(ctx); err != nil {
			log.Info("Failed; will retry", "err", err.Error(), "retryIn", retry.String())
			wait, retry = retry, min(retry*2, interval)
		} else {
			retry = first
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
