package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// decodeJSON reads a JSON object from the body into v. Unknown fields are ignored (contract); a
// body that is empty, malformed, not an object, of the wrong types or followed by more data is a
// 400 naming the field where there is one; a body over the limit is a 413.
func decodeJSON(r *http.Request, v any) error {
	return decodeBody(r, v, false)
}

// decodeOptionalJSON is decodeJSON for endpoints whose body may be empty.
func decodeOptionalJSON(r *http.Request, v any) error {
	return decodeBody(r, v, true)
}

func decodeBody(r *http.Request, v any, optional bool) error {
	if r.Body == nil {
		if optional {
			return nil
		}
		return badRequest("", "request body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) && optional {
			return nil
		}
		return jsonError(err)
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return err
		}
		return badRequest("", "unexpected data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("", "request body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "malformed JSON: the body ends early")
	case errors.As(err, &syntax):
		return badRequest("", fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("", "request body must be a JSON object, not "+typ.Value)
		}
		return &Error{Status: http.StatusBadRequest, Code: "invalid_type", Field: typ.Field,
			Message: fmt.Sprintf("field %s must be %s, not %s", typ.Field, jsonTypeName(typ.Type.Kind().String()), typ.Value)}
	default:
		return badRequest("", "malformed JSON: "+err.Error())
	}
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int32", "int64", "uint", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	default:
		return "of another type"
	}
}

// badRequest is a 400 about one field ("" for the body as a whole).
func badRequest(field, msg string) *Error {
	code := "invalid_request"
	if field != "" {
		code = "invalid_field"
	}
	return &Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: msg}
}

// missing is the Python engine's message for an absent required field.
func missing(field string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "missing_field", Field: field, Message: "Missing required field: " + field}
}

// checkLength checks a string field's length in characters.
func checkLength(field, v string, minLen, maxLen int) error {
	n := len([]rune(v))
	switch {
	case n < minLen:
		return badRequest(field, fmt.Sprintf("%s must be at least %d characters", field, minLen))
	case n > maxLen:
		return badRequest(field, fmt.Sprintf("%s must be at most %d characters", field, maxLen))
	}
	return nil
}

// checkEnum checks that v (lower-cased) is one of allowed and returns it lower-cased.
func checkEnum(field, v string, allowed ...string) (string, error) {
	lv := strings.ToLower(strings.TrimSpace(v))
	for _, a := range allowed {
		if lv == a {
			return a, nil
		}
	}
	return "", badRequest(field, fmt.Sprintf("%s %q is not one of: %s", field, v, strings.Join(allowed, ", ")))
}

// checkName checks a Kubernetes object name (DNS subdomain).
func checkName(field, v string) error {
	if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
		return badRequest(field, fmt.Sprintf("%s %q is not a valid Kubernetes name: %s", field, v, strings.Join(errs, "; ")))
	}
	return nil
}

// checkNamespace checks a Kubernetes namespace name (DNS label).
func checkNamespace(field, v string) error {
	if errs := validation.IsDNS1123Label(v); len(errs) > 0 {
		return badRequest(field, fmt.Sprintf("%s %q is not a valid namespace name: %s", field, v, strings.Join(errs, "; ")))
	}
	return nil
}

// checkFraction checks a 0..1 number.
func checkFraction(field string, v float64) error {
	if v < 0 || v > 1 || v != v {
		return badRequest(field, field+" must be a number from 0 to 1")
	}
	return nil
}

// firstNonEmpty returns the camelCase value, else its snake_case twin.
func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
