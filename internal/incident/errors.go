package incident

import (
	"errors"
	"fmt"
)

// ErrNotFound means no incident has that id.
var ErrNotFound = errors.New("incident not found")

// FieldError is a request that names something that cannot be used.
type FieldError struct {
	// Field is the request field at fault, as the client spelled it.
	Field string
	// Message says what is wrong.
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// StateError is a change the incident's current phase does not allow.
type StateError struct {
	// ID is the incident.
	ID string
	// Message says why.
	Message string
}

func (e *StateError) Error() string { return fmt.Sprintf("incident %s: %s", e.ID, e.Message) }
