package incident

import (
	"maps"

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

// List returns a page of incidents matching f, newest first, with counts. The summary is
// cached per index version, so an unfiltered page reads only the incidents it returns.
func (s *Service) List(f Filter) Page {
	version := s.index.Version()
	sum, cached := s.cachedSummary(version)
	unfiltered := (f.Status == "" || f.Status == FilterAll) && (f.Severity == "" || f.Severity == FilterAll)
	if cached && unfiltered {
		p := Page{Summary: sum, Matched: sum.Total}
		i := 0
		s.index.Each(func(inc *v1alpha1.Incident) bool {
			if i >= f.Offset+f.Limit {
				return false
			}
			if i >= f.Offset {
				p.Items = append(p.Items, inc)
			}
			i++
			return true
		})
		return p
	}
	var p Page
	var sev severityCounts
	s.index.Each(func(inc *v1alpha1.Incident) bool {
		phase := inc.Phase()
		count(&p.Summary, phase)
		sev.add(inc.Spec.Severity)
		if !matches(f, inc, phase) {
			return true
		}
		if p.Matched >= f.Offset && len(p.Items) < f.Limit {
			p.Items = append(p.Items, inc)
		}
		p.Matched++
		return true
	})
	p.Summary.BySeverity = sev.asMap()
	s.storeSummary(version, p.Summary)
	if unfiltered {
		p.Matched = p.Summary.Total
	}
	return p
}

func (s *Service) cachedSummary(version uint64) (Summary, bool) {
	s.summaryMu.Lock()
	defer s.summaryMu.Unlock()
	if s.summaryVersion != version || s.summary.BySeverity == nil {
		return Summary{}, false
	}
	sum := s.summary
	sum.BySeverity = maps.Clone(sum.BySeverity)
	return sum, true
}

// storeSummary keeps a summary computed at version. The index may have changed while it was
// computed; a later version then simply misses the cache.
func (s *Service) storeSummary(version uint64, sum Summary) {
	s.summaryMu.Lock()
	defer s.summaryMu.Unlock()
	s.summaryVersion, s.summary = version, sum
	s.summary.BySeverity = maps.Clone(sum.BySeverity)
}

// severityCounts counts by severity without a map operation per incident (the list endpoint
// counts every incident on every call).
type severityCounts struct{ low, medium, high, critical, other int }

func (c *severityCounts) add(s v1alpha1.Severity) {
	switch s {
	case v1alpha1.SeverityLow:
		c.low++
	case v1alpha1.SeverityMedium:
		c.medium++
	case v1alpha1.SeverityHigh:
		c.high++
	case v1alpha1.SeverityCritical:
		c.critical++
	default:
		c.other++
	}
}

func (c severityCounts) asMap() map[string]int {
	return map[string]int{"low": c.low, "medium": c.medium, "high": c.high, "critical": c.critical}
}

func count(sum *Summary, phase v1alpha1.IncidentPhase) {
	sum.Total++
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
