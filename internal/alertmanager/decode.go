package alertmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// wireMessage is Message as it arrives: alerts kept raw so that each is decoded on its own and
// its errors name its index.
type wireMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []json.RawMessage `json:"alerts"`
}

// wireAlert is Alert as it arrives: timestamps as text so that a bad one is named.
type wireAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Decode reads one webhook message (a JSON object) from r and validates it. Unknown fields are
// ignored. Every problem with the body is a *FieldError (matching ErrInvalid) naming the field:
// malformed JSON, a field of the wrong type, data after the object, a version other than "4", a
// message or alert status other than firing or resolved, no alerts or more than MaxAlerts, an
// alert without fingerprint or labels.alertname, a startsAt that is missing or not RFC 3339, an
// endsAt that is set and not RFC 3339. An error reading r (an *http.MaxBytesError, say) is
// returned wrapped, not as a FieldError. Decode does not bound how much it reads: the caller
// limits the body.
func Decode(r io.Reader) (Message, error) {
	dec := json.NewDecoder(r)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return Message{}, jsonError("", err)
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		if isReadError(err) {
			return Message{}, fmt.Errorf("read Alertmanager message: %w", err)
		}
		return Message{}, &FieldError{Problem: "unexpected data after the JSON object"}
	}
	if k := jsonKind(raw); k != "an object" {
		return Message{}, &FieldError{Problem: "the message must be a JSON object, not " + k}
	}
	var w wireMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		return Message{}, jsonError("", err)
	}
	return w.validate()
}

// validate checks the message field by field, in the order of the wire format, and converts it.
func (w wireMessage) validate() (Message, error) {
	if w.Version != Version {
		problem := fmt.Sprintf("version %s is not supported; accepted: %q", quote(w.Version), Version)
		if w.Version == "" {
			problem = fmt.Sprintf("is required; accepted: %q", Version)
		}
		return Message{}, &FieldError{Field: "version", Problem: problem}
	}
	status, err := checkStatus("status", w.Status)
	if err != nil {
		return Message{}, err
	}
	switch {
	case len(w.Alerts) == 0:
		return Message{}, &FieldError{Field: "alerts", Problem: "must hold at least one alert"}
	case len(w.Alerts) > MaxAlerts:
		return Message{}, &FieldError{Field: "alerts", Problem: fmt.Sprintf(
			"holds %d alerts; at most %d are accepted per message (set max_alerts in the webhook config)", len(w.Alerts), MaxAlerts)}
	}
	m := Message{
		Version: w.Version, GroupKey: w.GroupKey, TruncatedAlerts: w.TruncatedAlerts, Status: status,
		Receiver: w.Receiver, GroupLabels: w.GroupLabels, CommonLabels: w.CommonLabels,
		CommonAnnotations: w.CommonAnnotations, ExternalURL: w.ExternalURL,
		Alerts: make([]Alert, len(w.Alerts)),
	}
	for i, raw := range w.Alerts {
		a, err := decodeAlert(fmt.Sprintf("alerts[%d]", i), raw)
		if err != nil {
			return Message{}, err
		}
		m.Alerts[i] = a
	}
	return m, nil
}

// decodeAlert decodes and checks the alert at path.
func decodeAlert(path string, raw json.RawMessage) (Alert, error) {
	if k := jsonKind(raw); k != "an object" {
		return Alert{}, &FieldError{Field: path, Problem: "an alert must be a JSON object, not " + k}
	}
	var w wireAlert
	if err := json.Unmarshal(raw, &w); err != nil {
		return Alert{}, jsonError(path, err)
	}
	status, err := checkStatus(path+".status", w.Status)
	if err != nil {
		return Alert{}, err
	}
	if w.Fingerprint == "" {
		return Alert{}, &FieldError{Field: path + ".fingerprint", Problem: "is required (Alertmanager always sends it)"}
	}
	if w.Labels[labelAlertName] == "" {
		return Alert{}, &FieldError{Field: path + ".labels.alertname", Problem: "is required"}
	}
	if w.StartsAt == "" {
		return Alert{}, &FieldError{Field: path + ".startsAt", Problem: "is required"}
	}
	startsAt, err := parseTime(path+".startsAt", w.StartsAt)
	if err != nil {
		return Alert{}, err
	}
	var endsAt time.Time
	if w.EndsAt != "" {
		if endsAt, err = parseTime(path+".endsAt", w.EndsAt); err != nil {
			return Alert{}, err
		}
	}
	return Alert{
		Status: status, Labels: w.Labels, Annotations: w.Annotations, StartsAt: startsAt, EndsAt: endsAt,
		GeneratorURL: w.GeneratorURL, Fingerprint: w.Fingerprint,
	}, nil
}

func checkStatus(field, v string) (Status, error) {
	switch s := Status(v); s {
	case StatusFiring, StatusResolved:
		return s, nil
	default:
		return "", &FieldError{Field: field, Problem: quote(v) + " is not a status; must be firing or resolved"}
	}
}

// parseTime reads an RFC 3339 timestamp and returns it in UTC. It refuses what time.Parse
// accepts beyond RFC 3339: a comma before the fraction and a 24-hour offset.
func parseTime(field, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	_, offset := t.Zone()
	if err != nil || strings.Contains(v, ",") || offset <= -24*60*60 || offset >= 24*60*60 {
		return time.Time{}, &FieldError{Field: field, Problem: fmt.Sprintf("%s is not an RFC 3339 timestamp", quote(v))}
	}
	return t.UTC(), nil
}

// jsonError turns an encoding/json error into a FieldError under path ("" for the message), or
// wraps a read error.
func jsonError(path string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return &FieldError{Field: path, Problem: "body is empty; a JSON object is required"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Field: path, Problem: "malformed JSON: the body ends early"}
	case errors.As(err, &syntax):
		return &FieldError{Field: path, Problem: fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax)}
	case errors.As(err, &typ):
		field := typ.Field
		if path != "" {
			field = path + "." + field
		}
		kind := typ.Type.Kind().String()
		if kind == "string" && isLabelMap(typ.Field) {
			// encoding/json names the map, not the key.
			return &FieldError{Field: field, Problem: "values must be strings, not " + typ.Value}
		}
		return &FieldError{Field: field, Problem: fmt.Sprintf("must be %s, not %s", jsonType(kind), typ.Value)}
	default:
		return fmt.Errorf("read Alertmanager message: %w", err)
	}
}

// isLabelMap reports whether the field is one of the string maps of labels or annotations.
func isLabelMap(field string) bool {
	switch field {
	case "labels", "annotations", "groupLabels", "commonLabels", "commonAnnotations":
		return true
	}
	return false
}

// isReadError reports whether err came from the reader rather than from the JSON.
func isReadError(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &syntax) && !errors.As(err, &typ)
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "uint64":
		return "a non-negative integer"
	case "slice":
		return "an array"
	default:
		return "an object"
	}
}

// jsonKind names the kind of the valid JSON value raw.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	default:
		return "a number"
	}
}
