package alertmanager

import "errors"

// ErrInvalid is matched (errors.Is) by every error Decode returns for a body that is not a valid
// message. Errors that are not ErrInvalid come from reading the body.
var ErrInvalid = errors.New("invalid Alertmanager message")

// FieldError is a message that cannot be used, and the field at fault.
type FieldError struct {
	// Field is the JSON path of the field as Alertmanager spells it, e.g. "alerts[2].status" or
	// "alerts[0].labels.alertname"; "" when the body as a whole is at fault (malformed JSON,
	// not an object, data after it).
	Field string
	// Problem says what is wrong.
	Problem string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }
