package apiauth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Tokens authenticates static bearer tokens read from a file: one "<token> <role>" per line,
// role read or write (write also reads; a token alone is write), blank lines and lines starting
// with # ignored. The file is read again when it changes (a Secret update reaches a mounted
// file within a minute), and a file that became invalid keeps the last good tokens.
type Tokens struct {
	file string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	tokens  []token
}

type token struct {
	sum  [sha256.Size]byte
	role Access
	name string
}

// NewTokens reads file; an unreadable or invalid file is an error naming the line.
func NewTokens(file string) (*Tokens, error) {
	t := &Tokens{file: file}
	if err := t.reload(); err != nil {
		return nil, err
	}
	return t, nil
}

// Authorize accepts a known token whose role covers the request's access.
func (t *Tokens) Authorize(_ context.Context, r *http.Request) (string, error) {
	got := bearer(r)
	if got == "" {
		return "", unauthenticated("this engine requires a bearer token (API_AUTH_MODE=token): send Authorization: Bearer <token>")
	}
	_ = t.reload() // keep the last good tokens when the file went bad
	sum := sha256.Sum256([]byte(got))
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tok := range t.tokens {
		// Compare digests in constant time, every token, so timing tells nothing.
		if subtle.ConstantTimeCompare(sum[:], tok.sum[:]) == 1 {
			if AccessFor(r.Method) == Write && tok.role != Write {
				return tok.name, forbidden("token %s may only read; %s %s writes", tok.name, r.Method, r.URL.Path)
			}
			return tok.name, nil
		}
	}
	return "", unauthenticated("the bearer token is not one of this engine's tokens")
}

// reload reads the file when its size or modification time changed.
func (t *Tokens) reload() error {
	st, err := os.Stat(t.file)
	if err != nil {
		return fmt.Errorf("API tokens file: %w", err)
	}
	t.mu.Lock()
	unchanged := st.ModTime().Equal(t.modTime) && st.Size() == t.size && t.tokens != nil
	t.mu.Unlock()
	if unchanged {
		return nil
	}
	raw, err := os.ReadFile(t.file)
	if err != nil {
		return fmt.Errorf("API tokens file: %w", err)
	}
	toks, err := parseTokens(raw)
	if err != nil {
		return fmt.Errorf("API tokens file %s: %w", t.file, err)
	}
	t.mu.Lock()
	t.tokens, t.modTime, t.size = toks, st.ModTime(), st.Size()
	t.mu.Unlock()
	return nil
}

func parseTokens(raw []byte) ([]token, error) {
	toks := []token{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		role := Write
		switch {
		case len(fields) > 2:
			return nil, fmt.Errorf("line %d: want \"<token> [read|write]\", got %d fields", n, len(fields))
		case len(fields) == 2 && fields[1] != string(Read) && fields[1] != string(Write):
			return nil, fmt.Errorf("line %d: role %q is not read or write", n, fields[1])
		case len(fields) == 2:
			role = Access(fields[1])
		}
		if len(fields[0]) < 16 {
			return nil, fmt.Errorf("line %d: a token must be at least 16 characters", n)
		}
		toks = append(toks, token{sum: sha256.Sum256([]byte(fields[0])), role: role, name: fmt.Sprintf("#%d (%s)", n, role)})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("no token in it")
	}
	return toks, nil
}
