package alertmanager

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// messageJSON is a valid message with alerts (JSON objects) in it.
func messageJSON(alerts ...string) string {
	return `{"version":"4","groupKey":"{}:{}","truncatedAlerts":0,"status":"firing","receiver":"engine",` +
		`"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am:9093",` +
		`"alerts":[` + strings.Join(alerts, ",") + `]}`
}

// alertJSON is a valid firing alert named name with fingerprint fp.
func alertJSON(name, fp string) string {
	return fmt.Sprintf(`{"status":"firing","labels":{"alertname":%q},"annotations":{},`+
		`"startsAt":"2026-11-25T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":%q}`, name, fp)
}

// replace is messageJSON with one alert after replacing old by new in it.
func replace(old, new string) string {
	return messageJSON(strings.Replace(alertJSON("Up", "a1"), old, new, 1))
}

func TestDecodeReadsAlertmanagersPayloads(t *testing.T) {
	body, err := os.Open("testdata/payments-group.json")
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	got, err := Decode(body)
	if err != nil {
		t.Fatalf("Decode(payments-group.json) = %v", err)
	}
	firing := time.Time{}
	want := Message{
		Version: "4", GroupKey: `{}/{namespace=~"payments"}:{namespace="payments"}`, Status: StatusFiring,
		Receiver: "coordination-engine", GroupLabels: map[string]string{"namespace": "payments"},
		CommonLabels:      map[string]string{"namespace": "payments", "prometheus": "monitoring/k8s"},
		CommonAnnotations: map[string]string{}, ExternalURL: "http://alertmanager-main-0:9093",
	}
	type summary struct {
		Status           Status
		Name             string
		Fingerprint      string
		StartsAt, EndsAt time.Time
	}
	wantAlerts := []summary{
		{StatusFiring, "KubePodCrashLooping", "3f0a9c1d2b4e5f67", time.Date(2026, 11, 25, 9, 41, 27, 853e6, time.UTC), firing},
		{StatusFiring, "KubeDeploymentRolloutStuck", "8c51e0f2a9d3b746", time.Date(2026, 11, 25, 9, 50, 57, 853e6, time.UTC), firing},
		{StatusResolved, "KubePodNotReady", "c27d94be01f35a68", time.Date(2026, 11, 25, 9, 12, 27, 853e6, time.UTC), time.Date(2026, 11, 25, 9, 58, 27, 853e6, time.UTC)},
		{StatusFiring, "PaymentsWorkerMemoryHigh", "e95f1a3c7b28d04d", time.Date(2026, 11, 25, 9, 1, 12, 4e6, time.UTC), firing},
	}
	var gotAlerts []summary
	for _, a := range got.Alerts {
		gotAlerts = append(gotAlerts, summary{a.Status, a.Labels["alertname"], a.Fingerprint, a.StartsAt, a.EndsAt})
	}
	got.Alerts = nil
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Decode(payments-group.json) message (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantAlerts, gotAlerts); d != "" {
		t.Errorf("Decode(payments-group.json) alerts (-want +got):\n%s", d)
	}
}

func TestDecodeAccepts(t *testing.T) {
	many := make([]string, MaxAlerts)
	for i := range many {
		many[i] = alertJSON("Up", fmt.Sprintf("f%d", i))
	}
	tests := []struct {
		name   string
		body   string
		alerts int
	}{
		{"the testdata node group", mustRead(t, "testdata/nodes-group.json"), 2},
		{"a minimal message", `{"version":"4","status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"Up"},"startsAt":"2026-11-25T10:00:00Z","fingerprint":"a"}]}`, 1},
		{"unknown fields, here those of newer Alertmanager releases", strings.Replace(messageJSON(alertJSON("Up", "a")), `"receiver"`, `"notification_reason":"new","routeLabels":{"x":"y"},"extra":[1,{"a":null}],"receiver"`, 1), 1},
		{"an alert without endsAt", replace(`,"endsAt":"0001-01-01T00:00:00Z"`, ""), 1},
		{"an alert with a null endsAt and null annotations", replace(`"endsAt":"0001-01-01T00:00:00Z"`, `"endsAt":null,"annotations":null`), 1},
		{"timestamps with an offset and nanoseconds", replace(`"2026-11-25T10:00:00Z"`, `"2026-11-25T11:00:00.123456789+01:00"`), 1},
		{"white space after the object", messageJSON(alertJSON("Up", "a")) + " \n\t", 1},
		{"exactly MaxAlerts alerts", messageJSON(many...), MaxAlerts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(strings.NewReader(tt.body))
			if err != nil {
				t.Fatalf("Decode(%.200s) = %v, want no error", tt.body, err)
			}
			if len(m.Alerts) != tt.alerts {
				t.Errorf("Decode(%.200s) has %d alerts, want %d", tt.body, len(m.Alerts), tt.alerts)
			}
		})
	}
}

func TestDecodeNamesTheFieldAtFault(t *testing.T) {
	tooMany := make([]string, MaxAlerts+1)
	for i := range tooMany {
		tooMany[i] = alertJSON("Up", "f")
	}
	valid := alertJSON("Up", "a1")
	tests := []struct {
		name    string
		body    string
		field   string
		problem string // a part of the problem
	}{
		{"an empty body", "", "", "empty"},
		{"malformed JSON", `{"version":"4",`, "", "ends early"},
		{"a syntax error", `{"version":4x}`, "", "malformed JSON at byte"},
		{"an array instead of an object", `[` + messageJSON(valid) + `]`, "", "not an array"},
		{"null", `null`, "", "not null"},
		{"a second object after the first", messageJSON(valid) + messageJSON(valid), "", "unexpected data after"},
		{"garbage after the object", messageJSON(valid) + "x", "", "unexpected data after"},
		{"no version", strings.Replace(messageJSON(valid), `"version":"4",`, "", 1), "version", `accepted: "4"`},
		{"version 3", strings.Replace(messageJSON(valid), `"version":"4"`, `"version":"3"`, 1), "version", `"3" is not supported; accepted: "4"`},
		{"a numeric version", strings.Replace(messageJSON(valid), `"version":"4"`, `"version":4`, 1), "version", "must be a string, not number"},
		{"a negative truncatedAlerts", strings.Replace(messageJSON(valid), `"truncatedAlerts":0`, `"truncatedAlerts":-1`, 1), "truncatedAlerts", "non-negative integer"},
		{"groupLabels with a number", strings.Replace(messageJSON(valid), `"groupLabels":{}`, `"groupLabels":{"a":1}`, 1), "groupLabels", "values must be strings, not number"},
		{"a message status other than firing or resolved", strings.Replace(messageJSON(valid), `"status":"firing","receiver"`, `"status":"pending","receiver"`, 1), "status", "must be firing or resolved"},
		{"an upper-case message status", strings.Replace(messageJSON(valid), `"status":"firing","receiver"`, `"status":"FIRING","receiver"`, 1), "status", "must be firing or resolved"},
		{"no alerts", messageJSON(), "alerts", "at least one"},
		{"alerts null", strings.Replace(messageJSON(), `"alerts":[]`, `"alerts":null`, 1), "alerts", "at least one"},
		{"alerts an object", strings.Replace(messageJSON(), `"alerts":[]`, `"alerts":{}`, 1), "alerts", "must be an array"},
		{"more than MaxAlerts alerts", messageJSON(tooMany...), "alerts", "at most 1000"},
		{"an alert that is a string", messageJSON(valid, valid, `"x"`), "alerts[2]", "must be a JSON object, not a string"},
		{"an alert that is null", messageJSON(valid, `null`), "alerts[1]", "not null"},
		{"an alert status other than firing or resolved", messageJSON(valid, valid, strings.Replace(valid, `"firing"`, `"active"`, 1)), "alerts[2].status", "must be firing or resolved"},
		{"an alert without status", replace(`"status":"firing",`, ""), "alerts[0].status", "must be firing or resolved"},
		{"an alert without fingerprint", replace(`"fingerprint":"a1"`, `"fingerprint":""`), "alerts[0].fingerprint", "is required"},
		{"an alert with a numeric fingerprint", replace(`"fingerprint":"a1"`, `"fingerprint":12`), "alerts[0].fingerprint", "must be a string, not number"},
		{"an alert without alertname", replace(`{"alertname":"Up"}`, `{"job":"x"}`), "alerts[0].labels.alertname", "is required"},
		{"an alert without labels", replace(`"labels":{"alertname":"Up"},`, ""), "alerts[0].labels.alertname", "is required"},
		{"an alert with labels as an array", replace(`{"alertname":"Up"}`, `["Up"]`), "alerts[0].labels", "must be an object, not array"},
		{"an alert with a numeric label value", replace(`{"alertname":"Up"}`, `{"alertname":"Up","replicas":3}`), "alerts[0].labels", "values must be strings, not number"},
		{"an alert with a numeric annotation", replace(`"annotations":{}`, `"annotations":{"value":0.5}`), "alerts[0].annotations", "values must be strings, not number"},
		{"an alert without startsAt", replace(`"startsAt":"2026-11-25T10:00:00Z",`, ""), "alerts[0].startsAt", "is required"},
		{"a startsAt that is not RFC 3339", replace(`"2026-11-25T10:00:00Z"`, `"25 Nov 26 10:00 UTC"`), "alerts[0].startsAt", "not an RFC 3339 timestamp"},
		{"a startsAt without time zone", replace(`"2026-11-25T10:00:00Z"`, `"2026-11-25T10:00:00"`), "alerts[0].startsAt", "not an RFC 3339 timestamp"},
		{"a numeric startsAt", replace(`"2026-11-25T10:00:00Z"`, `1764064800`), "alerts[0].startsAt", "must be a string, not number"},
		{"a comma before the fraction", replace(`"2026-11-25T10:00:00Z"`, `"2026-11-25T10:00:00,5Z"`), "alerts[0].startsAt", "not an RFC 3339 timestamp"},
		{"a 24-hour offset", replace(`"2026-11-25T10:00:00Z"`, `"2026-11-25T10:00:00+24:00"`), "alerts[0].startsAt", "not an RFC 3339 timestamp"},
		{"a day that does not exist", replace(`"2026-11-25T10:00:00Z"`, `"2026-02-30T10:00:00Z"`), "alerts[0].startsAt", "not an RFC 3339 timestamp"},
		{"an endsAt that is not RFC 3339", replace(`"0001-01-01T00:00:00Z"`, `"never"`), "alerts[0].endsAt", "not an RFC 3339 timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.body))
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode(%.200s) = %v, want a *FieldError matching ErrInvalid", tt.body, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Problem, tt.problem) {
				t.Errorf("Decode(%.200s) = field %q, problem %q; want field %q, problem containing %q", tt.body, fe.Field, fe.Problem, tt.field, tt.problem)
			}
		})
	}
}

func TestDecodeReportsFirstBadAlertByIndex(t *testing.T) {
	bad := strings.Replace(alertJSON("Up", "b"), `"fingerprint":"b"`, `"fingerprint":""`, 1)
	_, err := Decode(strings.NewReader(messageJSON(alertJSON("Up", "a"), bad, bad)))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "alerts[1].fingerprint" {
		t.Errorf("Decode(two bad alerts) = %v, want the error about alerts[1].fingerprint", err)
	}
}

func TestDecodeReturnsReadErrorsUnchanged(t *testing.T) {
	readErr := errors.New("connection reset")
	for name, r := range map[string]func() *strings.Reader{
		"while reading the object": func() *strings.Reader { return strings.NewReader(`{"version":"4","alerts":[`) },
		"after the object":         func() *strings.Reader { return strings.NewReader(messageJSON(alertJSON("Up", "a"))) },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(&failingAfter{r: r(), err: readErr})
			if !errors.Is(err, readErr) || errors.Is(err, ErrInvalid) {
				t.Errorf("Decode(reader failing %s) = %v, want the read error, not ErrInvalid", name, err)
			}
		})
	}
}

// failingAfter reads r, then fails with err instead of io.EOF.
type failingAfter struct {
	r   *strings.Reader
	err error
}

func (e *failingAfter) Read(p []byte) (int, error) {
	if e.r.Len() == 0 {
		return 0, e.err
	}
	return e.r.Read(p)
}

func TestDecodeReadsOneByteAtATime(t *testing.T) {
	m, err := Decode(iotest.OneByteReader(strings.NewReader(mustRead(t, "testdata/payments-group.json"))))
	if err != nil || len(m.Alerts) != 4 {
		t.Errorf("Decode(one byte at a time) = %d alerts, %v; want 4, nil", len(m.Alerts), err)
	}
}

func TestFieldErrorMessage(t *testing.T) {
	for _, tt := range []struct {
		err  *FieldError
		want string
	}{
		{&FieldError{Field: "alerts[2].status", Problem: `"x" is not a status; must be firing or resolved`}, `alerts[2].status: "x" is not a status; must be firing or resolved`},
		{&FieldError{Problem: "unexpected data after the JSON object"}, "unexpected data after the JSON object"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func mustRead(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeReturnsTimestampsInUTC(t *testing.T) {
	m, err := Decode(strings.NewReader(replace(`"2026-11-25T10:00:00Z"`, `"2026-11-25T11:30:00.5+01:30"`)))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 25, 10, 0, 0, 5e8, time.UTC)
	if got := m.Alerts[0].StartsAt; got != want {
		t.Errorf("Decode(startsAt with offset +01:30).StartsAt = %v, want %v", got, want)
	}
}
