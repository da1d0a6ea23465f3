package mlservice

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds how much of an answer is read.
const maxBody = 16 << 20

// endpoint is one server (a predictor or the ML service) behind its own breaker.
type endpoint struct {
	baseURL string
	opts    Options
	breaker *Breaker
}

func newEndpoint(baseURL string, opts Options) *endpoint {
	return &endpoint{baseURL: strings.TrimRight(baseURL, "/"), opts: opts, breaker: opts.newBreaker()}
}

// call sends method path with body (nil for none) and returns the 2xx answer's body. It retries
// connection errors, timeouts and 503 up to opts.Retries times with backoff; a *ModelError
// otherwise ends the call at once.
func (e *endpoint) call(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	wait := e.opts.Backoff
	for attempt := 0; ; attempt++ {
		out, err, retryable := e.once(ctx, method, path, body)
		if err == nil || !retryable || attempt >= e.opts.Retries || ctx.Err() != nil {
			return out, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
		wait *= 2
	}
}

// once makes one attempt through the breaker. Connection errors, timeouts and 502/503/504 count
// as breaker failures; other answers (including 4xx and 500) prove the server is up.
func (e *endpoint) once(ctx context.Context, method, path string, body []byte) (out []byte, err error, retryable bool) {
	url := e.baseURL + path
	if !e.breaker.Allow() {
		return nil, fmt.Errorf("%s %s: circuit breaker open: %w", method, url, ErrUnavailable), false
	}
	actx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, url, rd)
	if err != nil {
		e.breaker.Release()
		return nil, fmt.Errorf("%s %s: %w", method, url, err), false
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := e.opts.Client.Do(req)
	if err == nil {
		out, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
	}
	if err != nil {
		if ctx.Err() != nil { // the caller gave up: not the server's fault
			e.breaker.Release()
			return nil, fmt.Errorf("%s %s: %w", method, url, ctx.Err()), false
		}
		e.breaker.Record(false)
		return nil, fmt.Errorf("%s %s: %w: %w", method, url, ErrUnavailable, err), true
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		e.breaker.Record(false)
	default:
		e.breaker.Record(true)
	}
	if resp.StatusCode/100 == 2 {
		return out, nil, false
	}
	merr := &ModelError{Status: resp.StatusCode, Message: errorMessage(out, resp.Status)}
	return nil, fmt.Errorf("%s %s: %w", method, url, merr), resp.StatusCode == http.StatusServiceUnavailable
}

// errorMessage returns the "error" field of a JSON error body, else the trimmed body, else status.
func errorMessage(body []byte, status string) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		if len(s) > 512 {
			s = s[:512]
		}
		return s
	}
	return status
}
