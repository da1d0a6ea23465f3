package watcher

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/detection"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// problem is one issue on one workload (or node, or cluster operator): the unit of debouncing
// and of incidents.
type problem struct {
	Issue  issue.Type
	Target v1alpha1.Target
}

// key is the incident correlation key of the problem.
func (p problem) key() string { return "watch:" + p.Target.String() + ":" + string(p.Issue) }

// group is what is known of one problem: which objects show it now.
type group struct {
	members   map[string]detection.Symptom // object (pod, node, ...) name -> its symptom
	firstSeen time.Time
	// emitted is set once the problem was handed to the intake; lastEmit is when.
	emitted  bool
	lastEmit time.Time
}

// groups is the watchers' state: the problems and, per object, the problems it is a member
// of, so that an object that recovers or goes away leaves them.
type groups struct {
	mu       sync.Mutex
	problems map[problem]*group
	byObject map[string][]problem
}

func newGroups() *groups {
	return &groups{problems: map[problem]*group{}, byObject: map[string][]problem{}}
}

// set records that object (a "kind/namespace/name" key) shows symptoms now, each grouped under
// its problem. It returns the problems that became non-empty (to be debounced) and those that
// became empty (to be checked for recovery).
func (g *groups) set(object string, now time.Time, found map[problem]detection.Symptom) (started, emptied []problem) {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.byObject[object]
	for _, p := range old {
		if _, still := found[p]; still {
			continue
		}
		if grp := g.problems[p]; grp != nil {
			delete(grp.members, object)
			if len(grp.members) == 0 {
				emptied = append(emptied, p)
			}
		}
	}
	var current []problem
	for p, s := range found {
		grp := g.problems[p]
		if grp == nil {
			grp = &group{members: map[string]detection.Symptom{}, firstSeen: now}
			g.problems[p] = grp
		}
		if len(grp.members) == 0 {
			started = append(started, p)
			if !grp.emitted {
				grp.firstSeen = now
			}
		}
		grp.members[object] = s
		current = append(current, p)
	}
	if len(current) == 0 {
		delete(g.byObject, object)
	} else {
		g.byObject[object] = current
	}
	return started, emptied
}

// snapshot is a copy of one problem's state for the worker.
type snapshot struct {
	members   map[string]detection.Symptom
	firstSeen time.Time
	emitted   bool
	lastEmit  time.Time
}

func (g *groups) get(p problem) (snapshot, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	grp := g.problems[p]
	if grp == nil {
		return snapshot{}, false
	}
	return snapshot{members: maps(grp.members), firstSeen: grp.firstSeen, emitted: grp.emitted, lastEmit: grp.lastEmit}, true
}

func (g *groups) markEmitted(p problem, at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if grp := g.problems[p]; grp != nil {
		grp.emitted, grp.lastEmit = true, at
	}
}

// forget drops a problem that stayed empty (it recovered and was closed).
func (g *groups) forget(p problem) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if grp := g.problems[p]; grp != nil && len(grp.members) == 0 {
		delete(g.problems, p)
	}
}

func (g *groups) size() (problems, objects int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.problems), len(g.byObject)
}

func maps(m map[string]detection.Symptom) map[string]detection.Symptom {
	out := make(map[string]detection.Symptom, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// describe summarises a problem's members for an incident: how many objects, up to three
// examples, the worst severity, and the member names (at most maxAffected).
func describe(p problem, s snapshot) (title, description string, severity v1alpha1.Severity, affected []string) {
	names := make([]string, 0, len(s.members))
	for n := range s.members {
		names = append(names, n)
	}
	slices.Sort(names)
	severity = v1alpha1.SeverityLow
	for _, n := range names {
		severity = worse(severity, s.members[n].Severity)
	}
	var b strings.Builder
	noun := "object"
	if len(names) > 0 {
		noun = strings.ToLower(strings.SplitN(names[0], "/", 2)[0])
	}
	title = fmt.Sprintf("%s on %s", p.Issue, p.Target)
	fmt.Fprintf(&b, "%d %s(s) of %s show %s", len(names), noun, p.Target, p.Issue)
	for i, n := range names {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(names)-3)
			break
		}
		fmt.Fprintf(&b, "; %s: %s", n, s.members[n].Message)
	}
	affected = names[:min(len(names), maxAffected)]
	return title, b.String(), severity, affected
}

const maxAffected = 20

var severityRank = map[v1alpha1.Severity]int{v1alpha1.SeverityLow: 0, v1alpha1.SeverityMedium: 1, v1alpha1.SeverityHigh: 2, v1alpha1.SeverityCritical: 3}

func worse(a, b v1alpha1.Severity) v1alpha1.Severity {
	if severityRank[b] > severityRank[a] {
		return b
	}
	return a
}
