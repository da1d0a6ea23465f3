package guardrail

import (
	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// TestPermit returns a live permit for act that no Gate issued and whose Done records nothing.
// It is for tests of strategies, which need a permit to call the Writer; production code gets
// permits only from the Gate.
func TestPermit(act action.Action) *Permit { return newPermit(act, nil) }

// TestWriter returns a Writer for tests of strategies: it writes with c, records Events in a
// fake recorder, counts in a registry of its own and logs nothing.
func TestWriter(c client.Client) *Writer {
	return NewWriter(c, events.NewFakeRecorder(1000), telemetry.New(prometheus.NewRegistry(), "test"), logr.Discard())
}
