package watcher

import (
	"fmt"
	"testing"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/detection"
	"selfhealing.dev/coordination-engine/internal/issue"
)

var (
	web      = v1alpha1.Target{Kind: "Deployment", Namespace: "shop", Name: "web"}
	webCrash = problem{Issue: issue.PodCrash, Target: web}
	webOOM   = problem{Issue: issue.OOMKill, Target: web}
	t0       = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
)

func crashing(ps ...problem) map[problem]detection.Symptom {
	found := map[problem]detection.Symptom{}
	for _, p := range ps {
		found[p] = detection.Symptom{Issue: p.Issue, Severity: v1alpha1.SeverityHigh, Message: "restarted 5 times"}
	}
	return found
}

func TestThreeHundredCrashingPodsOfOneDeploymentAreOneProblem(t *testing.T) {
	g := newGroups()
	var started []problem
	for i := range 300 {
		s, _ := g.set(fmt.Sprintf("Pod/shop/web-%d", i), t0, crashing(webCrash))
		started = append(started, s...)
	}
	if len(started) != 1 || started[0] != webCrash {
		t.Fatalf("problems started = %v, want one: %v", started, webCrash)
	}
	snap, _ := g.get(webCrash)
	if len(snap.members) != 300 {
		t.Errorf("members = %d, want 300", len(snap.members))
	}
	if problems, objects := g.size(); problems != 1 || objects != 300 {
		t.Errorf("size = %d problems, %d objects; want 1, 300", problems, objects)
	}
}

func TestAProblemEmptiesWhenItsLastMemberRecoversOrGoes(t *testing.T) {
	g := newGroups()
	g.set("Pod/shop/web-1", t0, crashing(webCrash))
	g.set("Pod/shop/web-2", t0, crashing(webCrash, webOOM))
	if _, emptied := g.set("Pod/shop/web-1", t0, nil); len(emptied) != 0 {
		t.Errorf("one member recovering emptied %v, want nothing while web-2 still crashes", emptied)
	}
	_, emptied := g.set("Pod/shop/web-2", t0, crashing(webOOM))
	if len(emptied) != 1 || emptied[0] != webCrash {
		t.Errorf("emptied = %v, want %v", emptied, webCrash)
	}
	if _, emptied := g.set("Pod/shop/web-2", t0, nil); len(emptied) != 1 || emptied[0] != webOOM {
		t.Errorf("the last pod going away emptied %v, want %v", emptied, webOOM)
	}
	g.forget(webCrash)
	if _, ok := g.get(webCrash); ok {
		t.Errorf("an emptied problem is still there after forget")
	}
}

func TestAProblemThatComesBackStartsAgainButKeepsItsReport(t *testing.T) {
	g := newGroups()
	g.set("Pod/shop/web-1", t0, crashing(webCrash))
	g.markEmitted(webCrash, t0.Add(10*time.Second))
	g.set("Pod/shop/web-1", t0.Add(time.Minute), nil)
	started, _ := g.set("Pod/shop/web-2", t0.Add(2*time.Minute), crashing(webCrash))
	if len(started) != 1 {
		t.Fatalf("started = %v, want the problem started again", started)
	}
	snap, _ := g.get(webCrash)
	if !snap.emitted || !snap.firstSeen.Equal(t0) {
		t.Errorf("snapshot = %+v, want it still reported, first seen at %v", snap, t0)
	}
}

func TestDescribeSummarisesTheMembers(t *testing.T) {
	g := newGroups()
	for i := range 5 {
		g.set(fmt.Sprintf("Pod/shop/web-%d", i), t0, crashing(webCrash))
	}
	snap, _ := g.get(webCrash)
	title, desc, sev, affected := describe(webCrash, snap)
	if title != "pod_crash on Deployment/shop/web" || sev != v1alpha1.SeverityHigh || len(affected) != 5 {
		t.Errorf("describe = %q, %s, %v", title, sev, affected)
	}
	if want := "5 pod(s) of Deployment/shop/web show pod_crash; Pod/shop/web-0: restarted 5 times"; len(desc) < len(want) || desc[:len(want)] != want {
		t.Errorf("description = %q, want it to start %q", desc, want)
	}
}
