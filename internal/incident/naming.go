package incident

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// nameFor returns the object name of a new incident: derived from the external id, else from the
// correlation id, so that the same id always maps to the same name; random when neither is set.
func nameFor(externalID, correlationID string) string {
	switch {
	case externalID != "":
		return "inc-" + digest("external:"+externalID)
	case correlationID != "":
		return "inc-" + digest("correlation:"+correlationID)
	default:
		b := make([]byte, 8)
		_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
		return "inc-" + hex.EncodeToString(b)
	}
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
