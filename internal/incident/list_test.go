package incident

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/projection"
)

func inc(i int, sev v1alpha1.Severity, phase v1alpha1.IncidentPhase, rv int) *v1alpha1.Incident {
	return &v1alpha1.Incident{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("inc-%03d", i), ResourceVersion: fmt.Sprint(rv),
			CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC))},
		Spec:   v1alpha1.IncidentSpec{Severity: sev},
		Status: v1alpha1.IncidentStatus{Phase: phase},
	}
}

func TestListSummaryFollowsTheIndex(t *testing.T) {
	idx := projection.New[*v1alpha1.Incident]()
	for i := range 10 {
		idx.Upsert(inc(i, v1alpha1.SeverityLow, v1alpha1.IncidentPending, 1))
	}
	s := NewService(nil, nil, idx, "ns", logr.Discard())
	tests := []struct {
		name        string
		change      func()
		filter      Filter
		wantActive  int
		wantMatched int
		wantFirst   string
		wantItems   int
	}{
		{"the first list computes the summary", func() {}, Filter{Limit: 3}, 10, 10, "inc-009", 3},
		{"an unfiltered page after the cache is warm pages correctly", func() {}, Filter{Limit: 3, Offset: 8}, 10, 10, "inc-001", 2},
		{"a completed incident leaves the active count", func() {
			idx.Upsert(inc(5, v1alpha1.SeverityLow, v1alpha1.IncidentCompleted, 2))
		}, Filter{Limit: 100}, 9, 10, "inc-009", 10},
		{"a deleted incident leaves the totals", func() { idx.Delete("inc-009") }, Filter{Limit: 1}, 8, 9, "inc-008", 1},
		{"a filter counts only matches", func() {}, Filter{Status: FilterActive, Limit: 100}, 8, 8, "inc-008", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change()
			p := s.List(tt.filter)
			if p.Summary.Active != tt.wantActive || p.Matched != tt.wantMatched || len(p.Items) != tt.wantItems ||
				p.Items[0].Name != tt.wantFirst || p.Summary.BySeverity["low"] != p.Summary.Total {
				t.Errorf("List(%+v) = active %d matched %d items %d first %s by_severity %v, want %d %d %d %s",
					tt.filter, p.Summary.Active, p.Matched, len(p.Items), p.Items[0].Name, p.Summary.BySeverity,
					tt.wantActive, tt.wantMatched, tt.wantItems, tt.wantFirst)
			}
		})
	}
}
