package apiauth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	writer = "w-0123456789abcdef"
	reader = "r-0123456789abcdef"
)

func tokensFile(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func status(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	if err != nil {
		return -1
	}
	return http.StatusOK
}

func request(method, token string) *http.Request {
	r := httptest.NewRequest(method, "/api/v1/remediation/trigger", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func TestTokens(t *testing.T) {
	tok, err := NewTokens(tokensFile(t, "# the MCP server\n"+writer+" write\n\n"+reader+" read\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, token string
		want                int
	}{
		{"no token is unauthenticated", http.MethodPost, "", http.StatusUnauthorized},
		{"an unknown token is unauthenticated", http.MethodGet, "x-0123456789abcdef", http.StatusUnauthorized},
		{"a writer may write", http.MethodPost, writer, http.StatusOK},
		{"a writer may read", http.MethodGet, writer, http.StatusOK},
		{"a reader may read", http.MethodGet, reader, http.StatusOK},
		{"a reader may not write", http.MethodPost, reader, http.StatusForbidden},
		{"a reader may not delete", http.MethodDelete, reader, http.StatusForbidden},
		{"a token is case-sensitive", http.MethodGet, strings.ToUpper(writer), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tok.Authorize(t.Context(), request(tt.method, tt.token)); status(err) != tt.want {
				t.Errorf("Authorize = %v, want status %d", err, tt.want)
			}
		})
	}
}

func TestTokensFileRules(t *testing.T) {
	tests := []struct{ name, content, wantErr string }{
		{"an empty file", "# nobody\n", "no token"},
		{"an unknown role", writer + " admin\n", "line 1: role \"admin\""},
		{"a short token", "short write\n", "at least 16"},
		{"too many fields", writer + " write extra\n", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewTokens(tokensFile(t, tt.content)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewTokens = %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
	if _, err := NewTokens(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing file: no error")
	}
}

// TestTokensFollowTheFile: a Secret update (the mounted file changes) takes effect, and a file
// that turns invalid keeps the last good tokens rather than locking everyone out.
func TestTokensFollowTheFile(t *testing.T) {
	f := tokensFile(t, writer+"\n")
	tok, err := NewTokens(f)
	if err != nil {
		t.Fatal(err)
	}
	rotate := func(content string) {
		t.Helper()
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Minute) // a new mtime, whatever the file system's resolution
		if err := os.Chtimes(f, later, later); err != nil {
			t.Fatal(err)
		}
	}
	rotate(reader + " write\n")
	if _, err := tok.Authorize(t.Context(), request(http.MethodPost, writer)); status(err) != http.StatusUnauthorized {
		t.Errorf("the rotated-out token: %v, want 401", err)
	}
	if _, err := tok.Authorize(t.Context(), request(http.MethodPost, reader)); err != nil {
		t.Errorf("the new token: %v, want accepted", err)
	}
	rotate("garbage admin role\n")
	if _, err := tok.Authorize(t.Context(), request(http.MethodPost, reader)); err != nil {
		t.Errorf("after an invalid update: %v, want the last good tokens kept", err)
	}
}
