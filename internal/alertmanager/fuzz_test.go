package alertmanager

// FuzzDecode feeds arbitrary bodies to Decode and the alerts it accepts to Interpret. Run it
// with:
//
//	go test ./internal/alertmanager -run='^$' -fuzz='^FuzzDecode$' -fuzztime=30s

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
)

// fuzzFields are the fields a FieldError may name: the body (""), a message field, an alert or
// one of its fields.
var fuzzFields = regexp.MustCompile(`^(|version|groupKey|truncatedAlerts|status|receiver|groupLabels|commonLabels|commonAnnotations|externalURL|alerts|alerts\[(0|[1-9][0-9]{0,2})\](\.(status|labels|labels\.alertname|annotations|startsAt|endsAt|generatorURL|fingerprint))?)$`)

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		mustRead(f, "testdata/payments-group.json"),
		mustRead(f, "testdata/nodes-group.json"),
		messageJSON(alertJSON("KubePodCrashLooping", "a")),
		messageJSON(`{"status":"resolved","labels":{"alertname":"X","namespace":"shop","deployment":"web","issue_type":"oom_kill","severity":"critical"},"startsAt":"2026-11-25T10:00:00.5+01:00","endsAt":"2026-11-25T11:00:00Z","fingerprint":"f"}`),
		messageJSON(`{"status":"firing","labels":{"alertname":"NodeRAIDDegraded","instance":"[fd00::1]:9100"},"annotations":{"summary":"a\nb","description":"é"},"startsAt":"2026-11-25T10:00:00Z","fingerprint":"f"}`),
		messageJSON(`{"status":"firing","labels":{"alertname":"X","target_kind":"node","target_name":"Bad_Name","namespace":"shop"},"startsAt":"2026-11-25T10:00:00Z","fingerprint":"f"}`),
		replace(`"fingerprint":"a1"`, `"fingerprint":""`),
		replace(`"2026-11-25T10:00:00Z"`, `"2026-11-25T10:00:00+24:00"`),
		messageJSON(alertJSON("Up", "a"), `null`, `[]`),
		messageJSON(), `{"version":"3"}`, `{"version":"4","status":"firing","alerts":{}}`, `{"version":4}`,
		messageJSON(alertJSON("Up", "a")) + "{}", `[]`, `null`, ``, `"x"`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := Decode(bytes.NewReader(body))
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode(%q) = %v, want a *FieldError matching ErrInvalid", body, err)
			}
			if !fuzzFields.MatchString(fe.Field) || fe.Problem == "" {
				t.Fatalf("Decode(%q) = field %q, problem %q; want a known field and a problem", body, fe.Field, fe.Problem)
			}
			return
		}
		if m.Version != Version || !validStatus(m.Status) || len(m.Alerts) == 0 || len(m.Alerts) > MaxAlerts {
			t.Fatalf("Decode(%q) accepted version %q, status %q, %d alerts", body, m.Version, m.Status, len(m.Alerts))
		}
		for i, a := range m.Alerts {
			if a.Fingerprint == "" || !validStatus(a.Status) || a.Labels["alertname"] == "" ||
				a.StartsAt.Location().String() != "UTC" || a.EndsAt.Location().String() != "UTC" {
				t.Fatalf("Decode(%q) accepted alerts[%d] = %+v", body, i, a)
			}
			checkSignal(t, a, Interpret(a))
		}
		// What Decode accepts, re-encoded, decodes to the same message.
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("json.Marshal(Decode(%q)) = %v", body, err)
		}
		m2, err := Decode(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("Decode(json.Marshal(Decode(%q))) = %v", body, err)
		}
		if d := cmp.Diff(m, m2); d != "" {
			t.Fatalf("Decode(%q) re-encoded decodes differently (-first +second):\n%s", body, d)
		}
	})
}

func validStatus(s Status) bool { return s == StatusFiring || s == StatusResolved }

// checkSignal checks the invariants of Interpret's answer.
func checkSignal(t *testing.T, a Alert, s Signal) {
	t.Helper()
	if s.Fingerprint != a.Fingerprint || s.Firing != (a.Status == StatusFiring) || s.AlertName != a.Labels["alertname"] ||
		!s.StartsAt.Equal(a.StartsAt) || !s.EndsAt.Equal(a.EndsAt) || !cmp.Equal(s.Labels, a.Labels) {
		t.Fatalf("Interpret(%+v) = %+v does not carry the alert's identity", a, s)
	}
	if s.Title == "" || strings.ContainsAny(s.Title, "\n\r\t") || len([]rune(s.Title)) > maxTitleRunes ||
		s.Description == "" || len([]rune(s.Description)) > maxDescriptionRunes {
		t.Fatalf("Interpret(%+v) = title %q, description of %d characters", a.Labels, s.Title, len([]rune(s.Description)))
	}
	if !slices.Contains([]v1alpha1.Severity{v1alpha1.SeverityLow, v1alpha1.SeverityMedium, v1alpha1.SeverityHigh, v1alpha1.SeverityCritical}, s.Severity) {
		t.Fatalf("Interpret(%+v).Severity = %q", a.Labels, s.Severity)
	}
	if s.Issue != "" {
		if got, ok := issue.Normalize(string(s.Issue)); !ok || got != s.Issue {
			t.Fatalf("Interpret(%+v).Issue = %q is not a normalised issue type", a.Labels, s.Issue)
		}
	}
	tg := s.Target
	switch {
	case tg.IsZero():
	case tg.Kind == kindNode:
		if tg.Namespace != "" || len(validation.IsDNS1123Subdomain(tg.Name)) > 0 || (s.Issue != "" && !fits(s.Issue, tg.Kind)) {
			t.Fatalf("Interpret(%+v).Target = %+v, Issue %q", a.Labels, tg, s.Issue)
		}
	case slices.Contains([]string{kindDeployment, kindStatefulSet, kindDaemonSet, kindPod}, tg.Kind):
		if len(validation.IsDNS1123Label(tg.Namespace)) > 0 || len(validation.IsDNS1123Subdomain(tg.Name)) > 0 || (s.Issue != "" && !fits(s.Issue, tg.Kind)) {
			t.Fatalf("Interpret(%+v).Target = %+v, Issue %q", a.Labels, tg, s.Issue)
		}
	default:
		t.Fatalf("Interpret(%+v).Target = %+v: unknown kind", a.Labels, tg)
	}
}
