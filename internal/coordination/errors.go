package coordination

import "fmt"

// FieldError says a request field is invalid; Field names it as the client wrote it
// ("resources[2].kind"). The HTTP layer answers it with 400.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

func fieldError(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}
