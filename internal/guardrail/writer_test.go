package guardrail

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/events"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// An external change reports on the object what happened: a change made is one Normal Event, a
// failure one Warning Event, a wait (a retryable refusal: the owner is busy) none; and without
// a live permit nothing runs.
func TestExternalRecordsChangesAndFailuresButNotWaits(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantEvent string
	}{
		{"a change made", nil, "Normal Remediated"},
		{"a change that failed", errors.New("push rejected"), "Warning RemediationFailed"},
		{"a change that waits for its owner", action.Refuse(v1alpha1.ReasonOperationInProgress, true, "busy"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := events.NewFakeRecorder(10)
			w := NewWriter(nil, rec, telemetry.New(prometheus.NewRegistry(), "test"), logr.Discard())
			act := action.Action{Type: action.SetMemoryLimit, Workflow: "wf-1"}
			ch := v1alpha1.Change{Operation: v1alpha1.OperationExternal, Summary: "commit 96Mi",
				Object: v1alpha1.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}}
			err := w.External(t.Context(), TestPermit(act), ch, false, func(context.Context) error { return tt.err })
			if (err == nil) != (tt.err == nil) || (tt.err != nil && !errors.Is(err, tt.err)) {
				t.Fatalf("External() = %v, want %v wrapped", err, tt.err)
			}
			got := ""
			select {
			case e := <-rec.Events:
				got = e
			default:
			}
			if (tt.wantEvent == "") != (got == "") || !strings.HasPrefix(got, tt.wantEvent) {
				t.Errorf("Event = %q, want one starting %q", got, tt.wantEvent)
			}
		})
	}
	t.Run("without a live permit nothing runs", func(t *testing.T) {
		w := NewWriter(nil, events.NewFakeRecorder(10), telemetry.New(prometheus.NewRegistry(), "test"), logr.Discard())
		p := TestPermit(action.Action{Type: action.Rollback})
		p.Done(NotApplied)
		ran := false
		err := w.External(t.Context(), p, v1alpha1.Change{}, false, func(context.Context) error { ran = true; return nil })
		var r *action.Refusal
		if !errors.As(err, &r) || ran {
			t.Errorf("External(released permit) = %v, ran %v; want a refusal and nothing run", err, ran)
		}
	})
}
