package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
)

func TestRepeatRetriesAfterFailuresAndStopsWithTheContext(t *testing.T) {
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		repeat(ctx, 20*time.Millisecond, logr.Discard(), func(context.Context) error {
			if calls.Add(1) <= 2 {
				return errors.New("API server unreachable")
			}
			return nil
		})
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("repeat did not return after the context ended")
	}
	if calls.Load() < 4 {
		t.Errorf("repeat called fn %d times in 5 s, want it to keep going after failures", calls.Load())
	}
}
