package promquery

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// ErrUnavailable means Prometheus could not answer: unreachable, timed out, or a server error.
var ErrUnavailable = errors.New("prometheus unavailable")

// Options configures a Client.
type Options struct {
	// URL is the Prometheus or Thanos querier base URL.
	URL string
	// TokenFile holds a bearer token, read on every request so a rotated token is picked up;
	// "" sends none.
	TokenFile string
	// CAFile is a PEM bundle verifying the server's certificate; "" uses the system roots.
	CAFile string
	// Timeout bounds one query (default 30s).
	Timeout time.Duration
}

// Client runs range queries.
type Client struct {
	api     promv1.API
	timeout time.Duration
}

// New returns a client for opts.URL. It fails on a CA file that cannot be read.
func New(opts Options) (*Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if opts.CAFile != "" {
		pool, err := caPool(opts.CAFile)
		if err != nil {
			return nil, err
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	var rt http.RoundTripper = transport
	if opts.TokenFile != "" {
		rt = &bearer{file: opts.TokenFile, next: rt}
	}
	c, err := api.NewClient(api.Config{Address: opts.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %q: %w", opts.URL, err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{api: promv1.NewAPI(c), timeout: timeout}, nil
}

// Point is one sample.
type Point struct {
	T time.Time
	V float64
}

// Series is one labelled series of a range query, its points in time order.
type Series struct {
	Labels map[string]string
	Points []Point
}

// Range evaluates query at every step from start to end. Errors wrap ErrUnavailable when
// Prometheus could not be reached or failed; a query Prometheus rejects is a plain error (the
// caller built it, so it is a bug, not an outage).
func (c *Client) Range(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Series, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	val, _, _, err := c.api.QueryRange(ctx, query, promv1.Range{Start: start, End: end, Step: step})
	if err != nil {
		return nil, classify(query, err)
	}
	matrix, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("query %s: got a %s, want a matrix", query, val.Type())
	}
	out := make([]Series, 0, len(matrix))
	for _, s := range matrix {
		series := Series{Labels: make(map[string]string, len(s.Metric)), Points: make([]Point, 0, len(s.Values))}
		for k, v := range s.Metric {
			series.Labels[string(k)] = string(v)
		}
		for _, p := range s.Values {
			series.Points = append(series.Points, Point{T: p.Timestamp.Time().UTC(), V: float64(p.Value)})
		}
		out = append(out, series)
	}
	sort.Slice(out, func(i, j int) bool {
		return model.LabelsToSignature(out[i].Labels) < model.LabelsToSignature(out[j].Labels)
	})
	return out, nil
}

// classify wraps err with ErrUnavailable unless Prometheus understood and rejected the query.
func classify(query string, err error) error {
	var apiErr *promv1.Error
	if errors.As(err, &apiErr) && (apiErr.Type == promv1.ErrBadData || apiErr.Type == promv1.ErrExec) {
		return fmt.Errorf("query %s: %w", query, err)
	}
	return fmt.Errorf("query %s: %w: %w", query, ErrUnavailable, err)
}

// Grid places a series' points on the step grid from start: index i holds the sample at
// start + i·step, NaN where the series has none.
func Grid(points []Point, start time.Time, step time.Duration, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	for _, p := range points {
		off := p.T.Sub(start)
		if off < 0 || off%step != 0 {
			continue
		}
		if i := int(off / step); i < n {
			out[i] = p.V
		}
	}
	return out
}
