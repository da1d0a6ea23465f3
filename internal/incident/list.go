package incident

import (
	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Status filters of the list endpoint.
const (
	FilterAll    = "all"
	FilterActive = "active"
)

// Filter selects incidents; zero values select everything from the newest.
type Filter struct {
	// Status is all, active (pending and running), or one phase.
	Status string
	// Severity is all or one severity.
	Severity string
	// Limit caps the page (the HTTP layer validates 1..1000).
	Limit int
	// Offset skips that many matches, newest first.
	Offset int
}

// Summary counts every incident held, whatever the filter.
type Summary struct {
	Total, Active, Completed, Failed, Cancelled int
	BySeverity                                  map[string]int
}

// Page is one page of matching incidents, newest first.
type Page struct {
	// Items are the page's incidents: read-only, shared with the cache.
	Items []*v1alpha1.Incident
	// Matched is how many incidents match the filter in all.
	Matched int
	// Summary counts all incidents.
	Summary Summary
}

// List returns a page of incidents matching f, newest first, with counts.
func (s *Service) List(f Filter) Page {
	p := Page{Summary: Summary{BySeverity: map[string]int{"low": 0, "medium": 0, "high": 0, "critical": 0}}}
	s.index.Each(func(inc *v1alpha1.Incident) bool {
		phase := inc.Phase()
		count(&p.Summary, inc, phase)
		if !matches(f, inc, phase) {
			return true
		}
		if p.Matched >= f.Offset && len(p.Items) < f.Limit {
			p.Items = append(p.Items, inc)
		}
		p.Matched++
		return true
	})
	return p
}

func count(sum *Summary, inc *v1alpha1.Incident, phase v1alpha1.IncidentPhase) {
	sum.Total++
	sum.BySeverity[string(inc.Spec.Severity)]++
	switch phase {
	case v1alpha1.IncidentPending, v1alpha1.IncidentRunning:
		sum.Active++
	case v1alpha1.IncidentCompleted:
		sum.Completed++
	case v1alpha1.IncidentFailed:
		sum.Failed++
	case v1alpha1.IncidentCancelled:
		sum.Cancelled++
	}
}

func matches(f Filter, inc *v1alpha1.Incident, phase v1alpha1.IncidentPhase) bool {
	switch f.Status {
	case "", FilterAll:
	case FilterActive:
		if phase.Finished() {
			return false
		}
	default:
		if string(phase) != f.Status {
			return false
		}
	}
	return f.Severity == "" || f.Severity == FilterAll || string(inc.Spec.Severity) == f.Severity
}
