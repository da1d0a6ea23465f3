package argocd

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Sync window kinds.
const (
	WindowAllow = "allow"
	WindowDeny  = "deny"
)

// scheduleParser parses window schedules as Argo CD does: five fields, no descriptors.
var scheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// SyncAllowed decides, as Argo CD's CanSync does at now, whether the windows let app sync: an
// active deny window blocks (unless manual and every active deny window has manualSync); else an
// active allow window allows; else an allow window that matches the app and is not active blocks
// (unless manual and all of those have manualSync); no windows allow. When blocked, closed is the
// window that blocks. An unparsable schedule or duration is an error wrapping ErrMalformed (Argo
// CD refuses to sync then too).
func SyncAllowed(windows []SyncWindow, app Application, manual bool, now time.Time) (ok bool, closed *SyncWindow, err error) {
	var activeDeny, inactiveAllow []SyncWindow
	activeAllow := false
	for _, w := range windows {
		if !w.matches(app) {
			continue
		}
		active, err := w.active(now)
		if err != nil {
			return false, nil, err
		}
		switch {
		case w.Kind == WindowDeny && active:
			activeDeny = append(activeDeny, w)
		case w.Kind == WindowAllow && active:
			activeAllow = true
		case w.Kind == WindowAllow:
			inactiveAllow = append(inactiveAllow, w)
		}
	}
	if len(activeDeny) > 0 {
		if manual && allManual(activeDeny) {
			return true, nil, nil
		}
		return false, &activeDeny[0], nil
	}
	if activeAllow || len(inactiveAllow) == 0 {
		return true, nil, nil
	}
	if manual && allManual(inactiveAllow) {
		return true, nil, nil
	}
	return false, &inactiveAllow[0], nil
}

func allManual(windows []SyncWindow) bool {
	for _, w := range windows {
		if !w.ManualSync {
			return false
		}
	}
	return true
}

// active reports whether the window is open at now: a start of its schedule lies within the
// last Duration.
func (w SyncWindow) active(now time.Time) (bool, error) {
	schedule, err := scheduleParser.Parse(w.Schedule)
	if err != nil {
		return false, fmt.Errorf("%w: sync window schedule %q: %w", ErrMalformed, w.Schedule, err)
	}
	d, err := time.ParseDuration(w.Duration)
	if err != nil {
		return false, fmt.Errorf("%w: sync window duration %q: %w", ErrMalformed, w.Duration, err)
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		loc = time.UTC // as Argo CD: an unknown time zone is UTC
	}
	next := schedule.Next(now.In(loc).Add(-d))
	return next.Before(now), nil
}

// matches mirrors Argo CD's SyncWindows.Matches: the window applies when its applications,
// clusters (destination name or server) or namespaces select the app — any of them, or every
// one that is set with AndOperator.
func (w SyncWindow) matches(app Application) bool {
	checks := []struct {
		set     bool
		matched bool
	}{
		{len(w.Applications) > 0, anyGlob(w.Applications, app.Name)},
		{len(w.Clusters) > 0, anyGlob(w.Clusters, app.Destination.Name) || anyGlob(w.Clusters, app.Destination.Server)},
		{len(w.Namespaces) > 0, anyGlob(w.Namespaces, app.Destination.Namespace)},
	}
	matched, anySet := false, false
	for _, c := range checks {
		if !c.set {
			continue
		}
		anySet = true
		if w.AndOperator && !c.matched {
			return false
		}
		if !w.AndOperator && c.matched {
			return true
		}
		matched = c.matched
	}
	return anySet && matched
}

func anyGlob(patterns []string, value string) bool {
	if value == "" {
		return false
	}
	for _, p := range patterns {
		if globMatch(p, value) {
			return true
		}
	}
	return false
}
