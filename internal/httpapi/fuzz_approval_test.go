package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/workflow"
)

// recordingApprovals records decisions; the workflow fuzzWaitingID waits for approval, the
// workflow fuzzDecidedID was approved already, any other id does not exist.
type recordingApprovals struct {
	mu        sync.Mutex
	decisions []approvalCall
}

type approvalCall struct {
	id, by, reason string
	decision       v1alpha1.ApprovalDecision
}

const (
	fuzzWaitingID = "wf-waiting-1"
	fuzzDecidedID = "wf-decided-1"
)

func (a *recordingApprovals) Decide(_ context.Context, id string, d v1alpha1.ApprovalDecision, by, reason string) (*v1alpha1.RemediationWorkflow, error) {
	switch id {
	case fuzzWaitingID:
	case fuzzDecidedID:
		return nil, &workflow.StateError{ID: id, Message: "was already approved by someone"}
	default:
		return nil, fmt.Errorf("%w: %s", workflow.ErrNotFound, id)
	}
	a.mu.Lock()
	a.decisions = append(a.decisions, approvalCall{id: id, by: by, reason: reason, decision: d})
	a.mu.Unlock()
	wf := &v1alpha1.RemediationWorkflow{ObjectMeta: metav1.ObjectMeta{Name: id}}
	wf.Spec.Approval = &v1alpha1.Approval{Decision: d, By: by, Reason: reason}
	return wf, nil
}

func (a *recordingApprovals) reset() {
	a.mu.Lock()
	a.decisions = nil
	a.mu.Unlock()
}

func (a *recordingApprovals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.decisions)
}

// FuzzDecideWorkflow drives POST /api/v1/workflows/{id}/approve and /reject.
func FuzzDecideWorkflow(f *testing.F) {
	for _, s := range [][3]string{
		{fuzzWaitingID, "approve", `{"by":"sre@example.com","reason":"checked the diff"}`},
		{fuzzWaitingID, "reject", `{"reason":"not during the sale"}`},
		{fuzzWaitingID, "approve", ``},
		{fuzzWaitingID, "approve", `{}`},
		{fuzzWaitingID, "approve", `null`},
		{fuzzDecidedID, "reject", `{"by":"sre"}`},
		{"wf-missing-1", "approve", `{}`},
		{fuzzWaitingID, "approve", `{"by":""}`},
		{fuzzWaitingID, "approve", `{"by":7}`},
		{fuzzWaitingID, "approve", `{"by":"sre","unknown":true}`},
		{fuzzWaitingID, "approve", `{"reason":"` + strings.Repeat("x", 1025) + `"}`},
		{fuzzWaitingID, "approve", `{"by":"sre"} {}`},
		{"Bad_ID", "approve", `{}`},
		{fuzzWaitingID, "approve", `[1]`},
	} {
		f.Add(s[0], s[1] == "approve", []byte(s[2]))
	}
	fh := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, id string, approve bool, body []byte) {
		fh.reset()
		verb := "reject"
		if approve {
			verb = "approve"
		}
		p := "/api/v1/workflows/" + url.PathEscape(id) + "/" + verb
		desc := "POST " + p
		r := fh.checkResponse(t, fh.serve(t, http.MethodPost, p, "", body), desc)
		switch {
		case !r.ok():
			return
		case r.code != http.StatusOK || fh.ap.count() != 1:
			t.Fatalf("%s: status %d after %d decisions, want 200 after 1", desc, r.code, fh.ap.count())
		}
		d := fh.ap.decisions[0]
		if d.id != fuzzWaitingID || (d.decision == v1alpha1.ApprovalApproved) != approve {
			t.Fatalf("%s: decided %+v", desc, d)
		}
		if d.by == "" || utf8.RuneCountInString(d.by) > 253 || utf8.RuneCountInString(d.reason) > 1024 {
			t.Fatalf("%s: accepted by %q, reason of %d characters", desc, d.by, len(d.reason))
		}
	})
}
