package watcher

import (
	"context"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/intake"
)

// work reports or closes the problems the queue hands out until it shuts down.
func (w *Watcher) work(ctx context.Context) {
	for {
		p, shutdown := w.queue.Get()
		if shutdown {
			return
		}
		w.check(ctx, p)
		w.queue.Done(p)
	}
}

// check looks at a problem once its debounce is over: reported when it still shows (again every
// Resignal while it lasts), closed when it is gone.
func (w *Watcher) check(ctx context.Context, p problem) {
	s, ok := w.groups.get(p)
	if !ok {
		return
	}
	now := w.now()
	log := w.log.WithValues("target", p.Target.String(), "issue", p.Issue)
	switch {
	case len(s.members) == 0 && s.emitted:
		out, err := w.sink.Close(ctx, "", p.key(), "recovered: no "+p.Target.Kind+" shows "+string(p.Issue)+" any more")
		if err != nil {
			log.Error(err, "Cannot close the incident; trying again")
			w.queue.AddAfter(p, w.opts.Debounce)
			return
		}
		w.count(p, out)
		w.groups.forget(p)
	case len(s.members) == 0:
		w.groups.forget(p) // gone before it was reported: a blip
	case !s.emitted || now.Sub(s.lastEmit) >= w.opts.Resignal:
		w.open(ctx, p, s, now)
	default:
		w.queue.AddAfter(p, s.lastEmit.Add(w.opts.Resignal).Sub(now))
	}
}

func (w *Watcher) open(ctx context.Context, p problem, s snapshot, now time.Time) {
	title, desc, sev, affected := describe(p, s)
	out, err := w.sink.Open(ctx, intake.Signal{Source: v1alpha1.SourceWatcher, Key: p.key(), Target: p.Target, Issue: p.Issue,
		Severity: sev, Title: title, Description: desc, Affected: affected})
	if err != nil {
		w.log.Error(err, "Cannot report the problem; trying again", "target", p.Target.String(), "issue", p.Issue)
		w.queue.AddAfter(p, w.opts.Debounce)
		return
	}
	if !s.emitted && w.metrics != nil {
		w.metrics.Detection.Observe(now.Sub(s.firstSeen).Seconds())
	}
	w.count(p, out)
	w.groups.markEmitted(p, now)
	w.log.V(1).Info("Problem reported", "target", p.Target.String(), "issue", p.Issue, "incident", out.Incident,
		"action", out.Action, "mode", out.Mode, "workflow", out.Workflow, "note", out.Note, "members", len(s.members))
	w.queue.AddAfter(p, w.opts.Resignal)
}

func (w *Watcher) count(p problem, out intake.Outcome) {
	if w.metrics != nil {
		w.metrics.Signals.WithLabelValues("watcher", string(p.Issue), out.Action).Inc()
	}
}
